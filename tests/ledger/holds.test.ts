import { randomUUID } from "node:crypto";
import { CALLER_HEADER, signCallerToken } from "@localex/common";
import { describe, expect, inject, it } from "vitest";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";
import { accountOf, fundedUser, PLACE_HOLD, placeHold, releaseHold, settleHold } from "./helpers.ts";

const ESCROW = /* GraphQL */ `query($id: ID!) { _entities(representations: [{ __typename: "Trade", id: $id }]) { ... on Trade { escrow { amount status } } } }`;

async function pair() {
  const [payer, payee] = await Promise.all([fundedUser(), fundedUser()]);
  const tradeId = randomUUID();
  return { payer, payee, tradeId, holdKey: `trade:${tradeId}:proposer` };
}

describe("holds (internal, for trades)", () => {
  it("places a hold that moves nothing but reduces what the payer can spend", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    const outcome = await placeHold({ holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 30 });
    expect(outcome).toEqual({ ok: true, code: null, status: "HELD" });
    expect(await accountOf(payer)).toEqual({ balance: 100, held: 30, available: 70 });
    expect(await accountOf(payee)).toEqual({ balance: 100, held: 0, available: 100 });
  });

  it("returns the first outcome on a replay, and refuses the same key with other input", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    const input = { holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 40 };
    await placeHold(input);
    expect(await placeHold(input)).toEqual({ ok: true, code: null, status: "HELD" });
    expect(await accountOf(payer)).toMatchObject({ held: 40, available: 60 });
    expect(await placeHold({ ...input, amount: 41 })).toMatchObject({ ok: false, code: "IDEMPOTENCY_CONFLICT" });
  });

  it("refuses a hold beyond the available credits, and again on a replay even after funds arrive", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    const input = { holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 101 };
    expect(await placeHold(input)).toEqual({ ok: false, code: "INSUFFICIENT_FUNDS", status: null });
    expect(await accountOf(payer)).toEqual({ balance: 100, held: 0, available: 100 });
    expect(await placeHold(input)).toEqual({ ok: false, code: "INSUFFICIENT_FUNDS", status: null });
  });

  it("settles in full to the payee, once; a replay returns ok and moves nothing", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    await placeHold({ holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 25 });
    expect(await settleHold(holdKey)).toEqual({ ok: true, code: null, status: "SETTLED" });
    expect(await settleHold(holdKey)).toEqual({ ok: true, code: null, status: "SETTLED" });
    expect(await accountOf(payer)).toEqual({ balance: 75, held: 0, available: 75 });
    expect(await accountOf(payee)).toEqual({ balance: 125, held: 0, available: 125 });
    expect(await releaseHold(holdKey)).toEqual({ ok: false, code: "HOLD_ALREADY_SETTLED", status: "SETTLED" });
  });

  it("releases back to the payer, once", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    await placeHold({ holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 60 });
    expect(await releaseHold(holdKey)).toEqual({ ok: true, code: null, status: "RELEASED" });
    expect(await releaseHold(holdKey)).toEqual({ ok: true, code: null, status: "RELEASED" });
    expect(await accountOf(payer)).toEqual({ balance: 100, held: 0, available: 100 });
    expect(await settleHold(holdKey)).toEqual({ ok: false, code: "HOLD_ALREADY_RELEASED", status: "RELEASED" });
  });

  it("reports an unknown hold to settle", async () => {
    expect(await settleHold(`trade:${randomUUID()}:proposer`)).toEqual({ ok: false, code: "HOLD_NOT_FOUND", status: null });
  });

  it("lets a release overtake its placeHold: the late placeHold holds nothing", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    expect(await releaseHold(holdKey)).toEqual({ ok: true, code: null, status: "RELEASED" });
    expect(await placeHold({ holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 30 })).toEqual({
      ok: false,
      code: "HOLD_ALREADY_RELEASED",
      status: "RELEASED",
    });
    expect(await accountOf(payer)).toEqual({ balance: 100, held: 0, available: 100 });
  });

  it("refuses internal fields to users, even through the subgraph with a user's signed header", async () => {
    const { payer, payee, tradeId, holdKey } = await pair();
    const res = await payer.client.request(PLACE_HOLD, { holdKey, tradeId, payerId: payer.id, payeeId: payee.id, amount: 1 });
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await accountOf(payer)).toMatchObject({ held: 0 });
  });

  it("shows a trade's escrow to its parties only", async () => {
    const { payer, payee, tradeId } = await pair();
    await placeHold({ holdKey: `trade:${tradeId}:proposer`, tradeId, payerId: payer.id, payeeId: payee.id, amount: 10 });
    await placeHold({ holdKey: `trade:${tradeId}:recipient`, tradeId, payerId: payee.id, payeeId: payer.id, amount: 5 });
    const ask = (userId: string) => entityEscrow(tradeId, userId);
    expect(await ask(payer.id)).toEqual({ amount: 15, status: "HELD" });
    expect(await ask(payee.id)).toEqual({ amount: 15, status: "HELD" });
    expect(await ask(randomUUID())).toBeNull();
    await settleHold(`trade:${tradeId}:proposer`);
    await settleHold(`trade:${tradeId}:recipient`);
    expect(await ask(payer.id)).toEqual({ amount: 15, status: "SETTLED" });
  });

  it("shows the latest attempt's escrow after an accept was undone and tried again", async () => {
    const { payer, payee, tradeId } = await pair();
    const ask = () => entityEscrow(tradeId, payer.id);
    await placeHold({ holdKey: `trade:${tradeId}:proposer`, tradeId, payerId: payer.id, payeeId: payee.id, amount: 10 });
    await releaseHold(`trade:${tradeId}:proposer`);
    expect(await ask()).toEqual({ amount: 10, status: "RELEASED" });
    await placeHold({ holdKey: `trade:${tradeId}:proposer:2`, tradeId, payerId: payer.id, payeeId: payee.id, amount: 10 });
    expect(await ask()).toEqual({ amount: 10, status: "HELD" });
  });
});

/** The subgraph answers _entities as the gateway asks it to, for the caller the gateway signs. */
async function entityEscrow(tradeId: string, userId: string): Promise<{ amount: number; status: string } | null> {
  const token = await signCallerToken(TEST_CALLER_KEYS, { userId, role: "user", sessionId: "s" }, { signer: "gateway", audience: "ledger" });
  const res = await fetch(inject("subgraphUrls").ledger!, {
    method: "POST",
    headers: { "content-type": "application/json", [CALLER_HEADER]: token },
    body: JSON.stringify({ query: ESCROW, variables: { id: tradeId } }),
  });
  const body = (await res.json()) as { data: { _entities: { escrow: { amount: number; status: string } | null }[] } };
  return body.data._entities[0]!.escrow;
}
