import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { ACCOUNT, accountOf, adminClient, fundedUser, grantedUser, TRANSFER, transfer, waitForWelcome, type Balance, type Transferred } from "./helpers.ts";

describe("welcome grant", () => {
  it("gives a new member 100 credits shortly after registering", async () => {
    const user = await registerUser();
    expect(await waitForWelcome(user)).toEqual({ balance: 100, held: 0, available: 100 });
  });
});

// Senders here hold credits an admin granted (grantedUser): welcome credits are not sent on
// before a first completed trade (welcome-credits.test.ts).
describe("transferCredits", () => {
  it("moves credits from the sender to the recipient", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const res = await ann.client.data<Transferred>(TRANSFER.replace("to { id }", "to { id displayName }"), {
      input: { toUserId: bob.id, amount: 30, memo: "  for the  bike " },
      key: randomUUID(),
    });
    expect(res.transferCredits.errors).toEqual([]);
    expect(res.transferCredits.transfer).toMatchObject({
      kind: "transfer",
      amount: 30,
      memo: "for the bike",
      from: { id: ann.id },
      to: { id: bob.id, displayName: bob.displayName },
    });
    expect(await accountOf(ann)).toEqual({ balance: 70, held: 0, available: 70 });
    expect(await accountOf(bob)).toEqual({ balance: 130, held: 0, available: 130 });
  });

  it.each([
    ["zero", 0, "INVALID_AMOUNT"],
    ["a negative amount", -5, "INVALID_AMOUNT"],
    ["more than a transfer may move", 1_000_001, "INVALID_AMOUNT"],
    ["more than the sender has", 101, "INSUFFICIENT_FUNDS"],
  ])("refuses %s, naming input.amount, and moves nothing", async (_case, amount, code) => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const result = await transfer(ann, bob.id, amount);
    expect(result.transfer).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ code, field: "input.amount" })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
    expect(await accountOf(bob)).toMatchObject({ balance: 100 });
  });

  it("refuses a transfer to oneself", async () => {
    const ann = await grantedUser();
    const result = await transfer(ann, ann.id, 10);
    expect(result.errors).toEqual([expect.objectContaining({ code: "SELF_TRANSFER", field: "input.toUserId" })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });

  it.each([
    ["an unknown id", randomUUID()],
    ["a malformed id", "not-a-user"],
  ])("refuses %s as recipient", async (_case, id) => {
    const ann = await grantedUser();
    const result = await transfer(ann, id, 10);
    expect(result.errors).toEqual([expect.objectContaining({ code: "RECIPIENT_NOT_FOUND", field: "input.toUserId" })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });

  it("refuses an over-long memo and an empty idempotency key", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const long = await transfer(ann, bob.id, 1, randomUUID(), "x".repeat(201));
    expect(long.errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "input.memo" })]);
    const noKey = await transfer(ann, bob.id, 1, "");
    expect(noKey.errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "idempotencyKey" })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 100 });
  });

  it("requires signing in", async () => {
    const res = await new GatewayClient().request(TRANSFER, { input: { toUserId: randomUUID(), amount: 1 }, key: randomUUID() });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("can be used on credits that arrived from someone else", async () => {
    const [ann, bob, cat] = await Promise.all([grantedUser(), grantedUser(), grantedUser()]);
    await transfer(ann, bob.id, 100);
    expect((await transfer(bob, cat.id, 200)).errors).toEqual([]);
    expect(await accountOf(bob)).toMatchObject({ balance: 0 });
    expect(await accountOf(cat)).toMatchObject({ balance: 300 });
  });
});

describe("idempotency keys", () => {
  it("returns the first result for a replay and moves nothing again", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const key = randomUUID();
    const first = await transfer(ann, bob.id, 20, key, "lamp");
    const again = await transfer(ann, bob.id, 20, key, "lamp");
    expect(again).toEqual(first);
    expect(await accountOf(ann)).toMatchObject({ balance: 80 });
  });

  it("refuses the same key with different input, as data", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const key = randomUUID();
    await transfer(ann, bob.id, 20, key);
    const other = await transfer(ann, bob.id, 21, key);
    expect(other.transfer).toBeNull();
    expect(other.errors).toEqual([expect.objectContaining({ code: "IDEMPOTENCY_CONFLICT", field: "idempotencyKey" })]);
    expect(await accountOf(ann)).toMatchObject({ balance: 80 });
  });

  it("fails a replay the same way when the first attempt lacked funds, even after funds arrive", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
    const key = randomUUID();
    const first = await transfer(ann, bob.id, 150, key);
    expect(first.errors[0]!.code).toBe("INSUFFICIENT_FUNDS");
    await transfer(bob, ann.id, 100);
    expect(await transfer(ann, bob.id, 150, key)).toEqual(first);
    expect(await accountOf(ann)).toMatchObject({ balance: 200 });
  });

  it("scopes keys per caller", async () => {
    const [ann, bob, cat] = await Promise.all([grantedUser(), grantedUser(), grantedUser()]);
    const key = randomUUID();
    const fromAnn = await transfer(ann, cat.id, 10, key);
    const fromBob = await transfer(bob, cat.id, 10, key);
    expect(fromBob.errors).toEqual([]);
    expect(fromBob.transfer!.id).not.toBe(fromAnn.transfer!.id);
    expect(await accountOf(cat)).toMatchObject({ balance: 120 });
  });
});

describe("User.account", () => {
  it("is visible to the member themself and to admins only", async () => {
    const [ann, bob] = await Promise.all([fundedUser(), fundedUser()]);
    const query = `query($id: ID!) { user(id: $id) { id account { balance } } }`;
    type AccountOf = { user: { id: string; account: { balance: number } | null } };
    expect((await bob.client.data<AccountOf>(query, { id: ann.id })).user.account).toBeNull();
    expect((await new GatewayClient().data<AccountOf>(query, { id: ann.id })).user.account).toBeNull();
    const admin = await adminClient();
    expect((await admin.data<AccountOf>(query, { id: ann.id })).user.account).toEqual({ balance: 100 });
    expect((await ann.client.data<{ me: { account: Balance } }>(ACCOUNT)).me.account.balance).toBe(100);
  });
});
