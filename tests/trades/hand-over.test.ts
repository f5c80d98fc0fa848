// Where the parties of an accepted trade meet, through the gateway: shared by a party once the
// trade is ACCEPTED, exact and seen by the two parties only, gone (the row deleted) once it closes.
import { beforeAll, describe, expect, it } from "vitest";
import { wsClient, type GatewayClient, type TestUser } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { accept, adminClient, CONFIRM, database, fundedUser, mutate, proposed, type UserErrorData } from "./helpers.ts";

const POINT = `handOverPoint { lat lon note sharedBy { id } sharedAt }`;
const SHARE = `mutation ($tradeId: ID!, $point: HandOverPointInput!, $note: String) {
  shareHandOverPoint(tradeId: $tradeId, point: $point, note: $note) { trade { id ${POINT} } errors { code message field } } }`;
const CLEAR = `mutation ($tradeId: ID!) { clearHandOverPoint(tradeId: $tradeId) { trade { id ${POINT} } errors { code field } } }`;
const TRADE = `query ($id: ID!) { trade(id: $id) { id status ${POINT} } }`;
const LIVE = `subscription ($id: ID!) { tradeUpdated(id: $id) { id ${POINT} } }`;

interface Point {
  lat: number;
  lon: number;
  note: string | null;
  sharedBy: { id: string };
}
interface Shared {
  trade: { id: string; handOverPoint: Point | null } | null;
  errors: UserErrorData[];
}
const DOOR = { lat: 52.0907374, lon: 5.1214201 };

const share = async (client: GatewayClient, tradeId: string, point: { lat: number; lon: number }, note?: string): Promise<Shared> =>
  (await client.data<{ shareHandOverPoint: Shared }>(SHARE, { tradeId, point, note })).shareHandOverPoint;
const pointAs = async (client: GatewayClient, id: string) =>
  (await client.data<{ trade: { status: string; handOverPoint: Point | null } | null }>(TRADE, { id })).trade;
const stored = async (tradeId: string) =>
  (await database()<{ n: number }[]>`select count(*)::int as n from trades.hand_over_points where trade_id = ${tradeId}`)[0]!.n;

describe("hand-over point", () => {
  let ann: TestUser;
  let bob: TestUser;
  let carl: TestUser;
  beforeAll(async () => {
    [ann, bob, carl] = await Promise.all([fundedUser(), fundedUser(), fundedUser()]);
  });

  it("is shared once accepted, seen exactly by the two parties only, and deleted when the trade completes", async () => {
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 3 });
    // Not before acceptance (the share after accepting is the control).
    expect((await share(ann.client, trade.id, DOOR)).errors).toEqual([expect.objectContaining({ code: "INVALID_STATE", field: "tradeId" })]);
    expect((await accept(bob, trade.id)).errors).toEqual([]);

    const socket = wsClient(ann.accessToken);
    try {
      const live = new Subscription<{ tradeUpdated: { handOverPoint: Point | null } }>(socket, LIVE, { id: trade.id });
      await live.until((r) => r.data?.tradeUpdated.handOverPoint === null, "the trade as it is");
      const shared = await share(bob.client, trade.id, DOOR, "Ring at 3B");
      expect(shared.errors).toEqual([]);
      expect(shared.trade!.handOverPoint).toMatchObject({ ...DOOR, note: "Ring at 3B", sharedBy: { id: bob.id } });
      const heard = await live.until((r) => r.data?.tradeUpdated.handOverPoint != null, "the shared point");
      expect(heard.data!.tradeUpdated.handOverPoint).toMatchObject({ ...DOOR, note: "Ring at 3B", sharedBy: { id: bob.id } });
      live.dispose();
    } finally {
      await socket.dispose();
    }

    // Exact for both parties; an admin sees the trade but not the point; another member sees neither, nor shares.
    for (const party of [ann, bob]) expect((await pointAs(party.client, trade.id))!.handOverPoint).toMatchObject(DOOR);
    const admin = await adminClient();
    expect(await pointAs(admin, trade.id)).toMatchObject({ status: "ACCEPTED", handOverPoint: null });
    expect(await pointAs(carl.client, trade.id)).toBeNull();
    expect((await share(carl.client, trade.id, { lat: 0, lon: 0 })).errors).toEqual([expect.objectContaining({ code: "NOT_FOUND", field: "tradeId" })]);
    expect((await pointAs(ann.client, trade.id))!.handOverPoint).toMatchObject(DOOR);

    // Bad points and notes are refused, naming the field; a new share replaces the old.
    expect((await share(ann.client, trade.id, { lat: 91, lon: 5 })).errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "point.lat" })]);
    expect((await share(ann.client, trade.id, { lat: 52, lon: -181 })).errors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: "point.lon" }),
    ]);
    expect((await share(ann.client, trade.id, DOOR, "x\u0000")).errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "note" })]);
    const moved = await share(ann.client, trade.id, { lat: 52.1, lon: 5.2 });
    expect(moved.trade!.handOverPoint).toEqual({ lat: 52.1, lon: 5.2, note: null, sharedBy: { id: ann.id }, sharedAt: expect.any(String) });

    // Completed: the point is deleted with the transaction that closed the trade, and no new one can be shared.
    expect(await stored(trade.id)).toBe(1);
    for (const party of [ann, bob]) expect((await mutate(party, CONFIRM, { id: trade.id })).errors).toEqual([]);
    expect(await pointAs(bob.client, trade.id)).toMatchObject({ status: "COMPLETED", handOverPoint: null });
    expect(await stored(trade.id)).toBe(0);
    expect((await share(bob.client, trade.id, DOOR)).errors).toEqual([expect.objectContaining({ code: "TRADE_CLOSED", field: "tradeId" })]);
  });

  it("can be taken back by either party", async () => {
    const trade = await proposed(bob, { recipientId: carl.id, offeredCredits: 1 });
    expect((await accept(carl, trade.id)).errors).toEqual([]);
    expect((await share(bob.client, trade.id, DOOR)).errors).toEqual([]);
    const cleared = (await carl.client.data<{ clearHandOverPoint: Shared }>(CLEAR, { tradeId: trade.id })).clearHandOverPoint;
    expect(cleared).toEqual({ trade: { id: trade.id, handOverPoint: null }, errors: [] });
    expect(await stored(trade.id)).toBe(0);
  });
});
