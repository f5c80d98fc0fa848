import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountOf, adminClient, fundedUser, GRANT, type Granted } from "./helpers.ts";

describe("grantCredits (admins)", () => {
  it("issues new credits to a member", async () => {
    const [admin, ann] = await Promise.all([adminClient(), fundedUser()]);
    const { grantCredits } = await admin.data<Granted>(GRANT, { userId: ann.id, amount: 250, memo: "Volunteer thanks", key: randomUUID() });
    expect(grantCredits.errors).toEqual([]);
    expect(grantCredits.transfer).toMatchObject({ kind: "grant", amount: 250, memo: "Volunteer thanks", from: null, to: { id: ann.id } });
    expect(await accountOf(ann)).toMatchObject({ balance: 350 });
  });

  it("grants once per idempotency key, and refuses the key with other input", async () => {
    const [admin, ann] = await Promise.all([adminClient(), fundedUser()]);
    const vars = { userId: ann.id, amount: 5, memo: "Once", key: randomUUID() };
    const first = await admin.data(GRANT, vars);
    const copies = await Promise.all(Array.from({ length: 5 }, () => admin.data(GRANT, vars)));
    for (const copy of copies) expect(copy).toEqual(first);
    expect(await accountOf(ann)).toMatchObject({ balance: 105 });
    const other = await admin.data<Granted>(GRANT, { ...vars, amount: 6 });
    expect(other.grantCredits.errors).toEqual([expect.objectContaining({ code: "IDEMPOTENCY_CONFLICT", field: "idempotencyKey" })]);
  });

  it("is refused to members who are not admins", async () => {
    const ann = await fundedUser();
    const res = await ann.client.request(GRANT, { userId: ann.id, amount: 1000, memo: "Free money", key: randomUUID() });
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });

  it.each([
    ["an unknown member", { userId: randomUUID() }, "RECIPIENT_NOT_FOUND", "userId"],
    ["a zero amount", { amount: 0 }, "INVALID_AMOUNT", "amount"],
    ["an amount too large", { amount: 2_000_000 }, "INVALID_AMOUNT", "amount"],
    ["an empty memo", { memo: "   " }, "INVALID_INPUT", "memo"],
  ])("refuses %s, naming the field", async (_case, override, code, field) => {
    const [admin, ann] = await Promise.all([adminClient(), fundedUser()]);
    const { grantCredits } = await admin.data<Granted>(GRANT, { userId: ann.id, amount: 10, memo: "Gift", key: randomUUID(), ...override });
    expect(grantCredits.transfer).toBeNull();
    expect(grantCredits.errors).toEqual([expect.objectContaining({ code, field })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });
});
