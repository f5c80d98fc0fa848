// transferCredits by handle through the gateway: the ledger asks identity whose handle it is
// (userByHandle, never identity's tables); unknown, own and departed members' handles are refused
// as data, and a replay by id of a transfer made by handle is the same transfer.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { registerUser, type TestUser } from "../harness/client.ts";
import { accountOf, grantedUser, type FieldError } from "./helpers.ts";

const TRANSFER = `mutation ($input: TransferInput!, $key: String!) {
  transferCredits(input: $input, idempotencyKey: $key) { transfer { id amount to { id handle } } errors { code field } }
}`;
type Sent = {
  transferCredits: { transfer: { id: string; amount: number; to: { id: string; handle: string | null } } | null; errors: Omit<FieldError, "message">[] };
};

const send = (from: TestUser, input: Record<string, unknown>, key: string = randomUUID()) => from.client.data<Sent>(TRANSFER, { input, key });
const uniqueHandle = () => `pay_${randomUUID().replace(/-/g, "").slice(0, 10)}`;

async function withHandle(): Promise<TestUser & { handle: string }> {
  const user = await registerUser({ verify: false });
  const handle = uniqueHandle();
  await user.client.data(`mutation ($h: String!) { updateProfile(input: { handle: $h }) { errors { code } } }`, { h: handle });
  return { ...user, handle };
}

describe("transferCredits to a handle", () => {
  it("sends to the member the handle names, whatever its case and @; a replay by id is the same transfer", async () => {
    const [ann, ben] = await Promise.all([grantedUser(100), withHandle()]);
    const key = randomUUID();
    const { transferCredits } = await send(ann, { toHandle: `@${ben.handle.toUpperCase()}`, amount: 30 }, key);
    expect(transferCredits.errors).toEqual([]);
    expect(transferCredits.transfer).toMatchObject({ amount: 30, to: { id: ben.id, handle: ben.handle } });
    expect((await accountOf(ben)).balance).toBe(30);
    // The same key, naming Ben by id: the same request, answered with the first transfer; nothing moves twice.
    const replay = await send(ann, { toUserId: ben.id, amount: 30 }, key);
    expect(replay.transferCredits.transfer?.id).toBe(transferCredits.transfer!.id);
    expect((await accountOf(ben)).balance).toBe(30);
    expect((await accountOf(ann)).balance).toBe(70);
  });

  it("refuses an unknown or malformed handle, one's own, and both or neither of id and handle, moving nothing", async () => {
    const [ann, ben] = await Promise.all([grantedUser(100), withHandle()]);
    await ann.client.data(`mutation ($h: String!) { updateProfile(input: { handle: $h }) { errors { code } } }`, { h: uniqueHandle() });
    const { me } = await ann.client.data<{ me: { handle: string } }>(`{ me { handle } }`);
    const refusal = async (input: Record<string, unknown>) => (await send(ann, { amount: 10, ...input })).transferCredits;
    expect(await refusal({ toHandle: uniqueHandle() })).toEqual({ transfer: null, errors: [{ code: "RECIPIENT_NOT_FOUND", field: "input.toHandle" }] });
    expect((await refusal({ toHandle: "not a handle!" })).errors).toEqual([{ code: "RECIPIENT_NOT_FOUND", field: "input.toHandle" }]);
    expect((await refusal({ toHandle: "x".repeat(100) })).errors).toEqual([{ code: "RECIPIENT_NOT_FOUND", field: "input.toHandle" }]);
    expect((await refusal({ toHandle: me.handle })).errors).toEqual([{ code: "SELF_TRANSFER", field: "input.toHandle" }]);
    expect((await refusal({ toHandle: ben.handle, toUserId: ben.id })).errors).toEqual([{ code: "INVALID_INPUT", field: "input" }]);
    expect((await refusal({})).errors).toEqual([{ code: "INVALID_INPUT", field: "input" }]);
    expect((await accountOf(ann)).balance).toBe(100);
    // Control: Ben's handle is paid.
    expect((await refusal({ toHandle: ben.handle })).errors).toEqual([]);
    expect((await accountOf(ben)).balance).toBe(10);
  });

  it("refuses the handle of a member who deleted their account (paid before: control)", async () => {
    const [ann, ben] = await Promise.all([grantedUser(100), withHandle()]);
    expect((await send(ann, { toHandle: ben.handle, amount: 5 })).transferCredits.errors).toEqual([]);
    const { deleteMyAccount } = await ben.client.data<{ deleteMyAccount: { accepted: boolean } }>(
      `mutation ($p: String!) { deleteMyAccount(password: $p) { accepted } }`,
      { p: ben.password },
    );
    expect(deleteMyAccount.accepted).toBe(true);
    expect((await send(ann, { toHandle: ben.handle, amount: 5 })).transferCredits).toEqual({
      transfer: null,
      errors: [{ code: "RECIPIENT_NOT_FOUND", field: "input.toHandle" }],
    });
    expect((await accountOf(ann)).balance).toBe(95);
  });
});
