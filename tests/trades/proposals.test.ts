import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import {
  adminClient,
  CANCEL,
  COUNTER,
  createListing,
  DECLINE,
  mutate,
  propose,
  proposed,
  TRADE,
  TRADE_FIELDS,
  tradeAs,
  twoTraders,
  type TradeData,
} from "./helpers.ts";

describe("proposeTrade", () => {
  it("refuses bad terms as data, naming the field", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const draft = await createListing(bob, {}, { draft: true });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ recipientId: ann.id, offeredCredits: 5 }, "INVALID_INPUT", "input.recipientId"],
      [{ recipientId: "not-an-id", offeredCredits: 5 }, "INVALID_INPUT", "input.recipientId"],
      [{ recipientId: randomUUID(), offeredCredits: 5 }, "NOT_FOUND", "input.recipientId"],
      [{ recipientId: bob.id }, "NOTHING_TO_EXCHANGE", "input"],
      [{ recipientId: bob.id, offeredCredits: -1 }, "INVALID_INPUT", "input.offeredCredits"],
      [{ recipientId: bob.id, requestedCredits: 2_000_000 }, "INVALID_INPUT", "input.requestedCredits"],
      [{ recipientId: bob.id, offeredListingIds: bobListings }, "NOT_OWNER", "input.offeredListingIds"],
      [{ recipientId: bob.id, requestedListingIds: annListings }, "NOT_OWNER", "input.requestedListingIds"],
      [{ recipientId: bob.id, requestedListingIds: [draft.id] }, "LISTING_UNAVAILABLE", "input.requestedListingIds"],
      [{ recipientId: bob.id, offeredListingIds: [annListings[0], annListings[0]] }, "INVALID_INPUT", "input.offeredListingIds"],
      [{ recipientId: bob.id, offeredListingIds: ["nope"] }, "INVALID_INPUT", "input.offeredListingIds"],
      [{ recipientId: bob.id, offeredCredits: 1, message: "x".repeat(1001) }, "INVALID_INPUT", "input.message"],
    ];
    for (const [input, code, field] of cases) {
      const payload = await propose(ann, input);
      expect(payload.trade, JSON.stringify(input)).toBeNull();
      expect(payload.errors, JSON.stringify(input)).toContainEqual(expect.objectContaining({ code, field }));
    }
    const { me } = await ann.client.data<{ me: { trades: { totalCount: number } } }>(`{ me { trades { totalCount } } }`);
    expect(me.trades.totalCount).toBe(0);
  });

  it("returns the first trade for a replayed idempotency key, and refuses the key for other terms", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const key = randomUUID();
    const input = { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 10 };
    const [a, b] = await Promise.all([propose(ann, input, key), propose(ann, input, key)]);
    expect(a.trade!.id).toBe(b.trade!.id);
    const replay = await propose(ann, input, key);
    expect(replay.trade!.id).toBe(a.trade!.id);
    const other = await propose(ann, { ...input, offeredCredits: 11 }, key);
    expect(other.errors).toEqual([expect.objectContaining({ code: "IDEMPOTENCY_CONFLICT", field: "idempotencyKey" })]);
    const { me } = await ann.client.data<{ me: { trades: { totalCount: number } } }>(`{ me { trades { totalCount } } }`);
    expect(me.trades.totalCount).toBe(1);
  });

  it("needs a signed-in user", async () => {
    const res = await new GatewayClient().request(`mutation { proposeTrade(input: { recipientId: "x" }, idempotencyKey: "k") { errors { code } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("negotiation", () => {
  it("passes the turn with each counter-offer and checks whose turn it is", async () => {
    const { ann, bob, annListings, bobListings } = await twoTraders();
    const carl = await registerUser();
    const trade = await proposed(ann, { recipientId: bob.id, offeredListingIds: annListings, requestedListingIds: bobListings });

    const early = await mutate(ann, COUNTER, { id: trade.id, input: { offeredCredits: 5 } });
    expect(early.errors).toEqual([expect.objectContaining({ code: "NOT_YOUR_TURN", field: "id" })]);
    const outsider = await mutate(carl, COUNTER, { id: trade.id, input: { offeredCredits: 5 } });
    expect(outsider).toEqual({ trade: null, errors: [expect.objectContaining({ code: "FORBIDDEN", field: "id" })] });
    const same = await mutate(bob, COUNTER, { id: trade.id, input: { requestedListingIds: bobListings } });
    expect(same.errors).toEqual([expect.objectContaining({ code: "NO_CHANGE" })]);
    const bad = await mutate(bob, COUNTER, { id: trade.id, input: { requestedCredits: -3 } });
    expect(bad.errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "input.requestedCredits" })]);

    const countered = await mutate(bob, COUNTER, { id: trade.id, input: { offeredCredits: 15, message: "Add some credits?" } });
    expect(countered.errors).toEqual([]);
    expect(countered.trade).toMatchObject({ status: "COUNTERED", offeredCredits: 15, message: "Add some credits?", turn: { id: ann.id } });
    expect(countered.trade!.offeredListings.map((l) => l.id)).toEqual(annListings);

    const back = await mutate(ann, COUNTER, { id: trade.id, input: { offeredCredits: 10 } });
    expect(back.trade).toMatchObject({ status: "COUNTERED", offeredCredits: 10, turn: { id: bob.id } });
    const declinedByWrongParty = await mutate(ann, DECLINE, { id: trade.id });
    expect(declinedByWrongParty.errors).toEqual([expect.objectContaining({ code: "NOT_YOUR_TURN" })]);
    const declined = await mutate(bob, DECLINE, { id: trade.id });
    expect(declined.trade).toMatchObject({ status: "DECLINED", turn: null });
    expect(declined.trade!.events.map((e) => e.kind)).toEqual(["PROPOSED", "COUNTERED", "COUNTERED", "DECLINED"]);
    const late = await mutate(bob, COUNTER, { id: trade.id, input: { offeredCredits: 20 } });
    expect(late.errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });

  it("lets only the proposer cancel an open proposal", async () => {
    const { ann, bob } = await twoTraders(0);
    const trade = await proposed(ann, { recipientId: bob.id, requestedCredits: 5 });
    const byRecipient = await mutate(bob, CANCEL, { id: trade.id });
    expect(byRecipient.errors).toEqual([expect.objectContaining({ code: "FORBIDDEN", message: expect.stringMatching(/decline/) })]);
    const cancelled = await mutate(ann, CANCEL, { id: trade.id });
    expect(cancelled.trade).toMatchObject({ status: "CANCELLED" });
    const again = await mutate(ann, CANCEL, { id: trade.id });
    expect(again.errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });
});

interface Page {
  totalCount: number;
  edges: { node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe("who sees a trade", () => {
  it("shows a trade to its parties and admins only", async () => {
    const { ann, bob } = await twoTraders(0);
    const carl = await registerUser();
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 1 });
    expect((await tradeAs(bob, trade.id))!.id).toBe(trade.id);
    expect(await tradeAs(carl, trade.id)).toBeNull();
    expect((await new GatewayClient().data(TRADE, { id: trade.id })).trade).toBeNull();
    expect((await (await adminClient()).data<{ trade: TradeData | null }>(TRADE, { id: trade.id })).trade?.id).toBe(trade.id);
    expect((await carl.client.data(TRADE, { id: "not-an-id" })).trade).toBeNull();
  });

  it("pages through the signed-in user's own trades, newest first, filtered by status", async () => {
    const { ann, bob } = await twoTraders(0);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await proposed(ann, { recipientId: bob.id, offeredCredits: i })).id);
    await mutate(ann, CANCEL, { id: ids[0] });
    const PAGE = `query ($id: ID!, $after: String, $status: TradeStatus) { user(id: $id) {
      trades(first: 2, after: $after, status: $status) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { user }: { user: { trades: Page } } = await bob.client.data(PAGE, { id: bob.id, after });
      expect(user.trades.totalCount).toBe(5);
      seen.push(...user.trades.edges.map((e) => e.node.id));
      if (!user.trades.pageInfo.hasNextPage) break;
      after = user.trades.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const open = await ann.client.data<{ user: { trades: Page } }>(PAGE, { id: ann.id, status: "PROPOSED" });
    expect(open.user.trades.totalCount).toBe(4);
    const theirs = await ann.client.data<{ user: { trades: Page } }>(PAGE, { id: bob.id });
    expect(theirs.user.trades).toMatchObject({ totalCount: 0, edges: [] });
    const badCursor = await ann.client.request(PAGE, { id: ann.id, after: "garbage" });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("resolves trades inside other subgraphs' types through the gateway", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 3 });
    const { trade: full } = await bob.client.data<{
      trade: TradeData & { proposer: { displayName: string }; requestedListings: { title: string; owner: { id: string } }[] };
    }>(`query ($id: ID!) { trade(id: $id) { ${TRADE_FIELDS} proposer { displayName } requestedListings { title owner { id } } } }`, { id: trade.id });
    expect(full.proposer.displayName).toBe(ann.displayName);
    expect(full.requestedListings[0]).toMatchObject({ title: "Oak dining table", owner: { id: bob.id } });
  });
});
