// The inbox and live notifications, as members see them through the gateway: each hears of
// what concerns them (trades, credits, photos), and nobody hears of anyone else's.
import { describe, expect, it } from "vitest";
import { registerUser, wsClient, type TestUser } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { grantTo, transfer } from "../ledger/helpers.ts";
import { accept, DECLINE, mutate, proposed, twoTraders } from "../trades/helpers.ts";

const INBOX = `query ($unreadOnly: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount unreadCount edges { cursor node { id kind message read trade { id status } } } pageInfo { hasNextPage endCursor } } }`;

interface Inbox {
  notifications: {
    totalCount: number;
    unreadCount: number;
    edges: { cursor: string; node: { id: string; kind: string; message: string; read: boolean; trade: { id: string; status: string } | null } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const inbox = (user: TestUser, variables: Record<string, unknown> = {}) => user.client.data<Inbox>(INBOX, variables);

/** The inbox once it holds a notification of `kind` (notifications are recorded by a job). */
async function untilNotified(user: TestUser, kind: string): Promise<Inbox["notifications"]> {
  for (let i = 0; i < 150; i++) {
    const { notifications } = await inbox(user);
    if (notifications.edges.some((e) => e.node.kind === kind)) return notifications;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${kind} notification arrived`);
}

describe("notifications", () => {
  it("tells each party of a trade's steps, with the trade, and not the one who acted", async () => {
    const { ann, bob, bobListings } = await twoTraders();
    const trade = await proposed(ann, { recipientId: bob.id, requestedListingIds: bobListings, offeredCredits: 5 });
    const bobs = await untilNotified(bob, "TRADE_PROPOSED");
    expect(bobs.edges.find((e) => e.node.kind === "TRADE_PROPOSED")!.node).toMatchObject({
      message: expect.stringMatching(/trade proposal/),
      read: false,
      trade: { id: trade.id, status: "PROPOSED" },
    });
    expect((await accept(bob, trade.id)).errors).toEqual([]);
    await untilNotified(ann, "TRADE_ACCEPTED");
    // Ann proposed and Bob accepted: neither hears of their own step.
    expect((await inbox(ann)).notifications.edges.map((e) => e.node.kind)).not.toContain("TRADE_PROPOSED");
    expect((await inbox(bob)).notifications.edges.map((e) => e.node.kind)).not.toContain("TRADE_ACCEPTED");
  });

  it("tells a member of credits received, welcome grant included", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const welcomed = await untilNotified(bob, "CREDITS_RECEIVED");
    expect(welcomed.edges[0]!.node.message).toMatch(/100 credits: Welcome to LocalEx/);
    await untilNotified(ann, "CREDITS_RECEIVED");
    // Welcome credits are not sent on before a completed trade: Ann sends credits an admin granted her.
    await grantTo(ann, 7);
    const sent = await transfer(ann, bob.id, 7, undefined, "for the ladder");
    expect(sent.errors).toEqual([]);
    for (let i = 0; i < 150; i++) {
      const kinds = (await inbox(bob)).notifications.edges.filter((e) => e.node.message.includes("7 credits: for the ladder"));
      if (kinds.length === 1) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the transfer's notification did not arrive");
  });

  it("pages the inbox, counts unread, and marks only the member's own read", async () => {
    const { ann, bob } = await twoTraders(0);
    for (let i = 0; i < 3; i++) await proposed(ann, { recipientId: bob.id, offeredCredits: i + 1 });
    for (let i = 0; i < 150 && (await inbox(bob, { unreadOnly: true })).notifications.totalCount < 4; i++) await new Promise((r) => setTimeout(r, 100));
    const first = (await inbox(bob, { first: 2 })).notifications;
    expect(first).toMatchObject({ totalCount: 4, unreadCount: 4, pageInfo: { hasNextPage: true } }); // 3 proposals + the welcome grant
    const rest = (await inbox(bob, { first: 2, after: first.pageInfo.endCursor })).notifications;
    const ids = [...first.edges, ...rest.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(4);

    // Ann cannot mark Bob's; Bob marks two, then the same two again (nothing more changes).
    expect(await ann.client.data(`mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, { ids })).toEqual({ markNotificationsRead: 0 });
    expect(await bob.client.data(`mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, { ids: ids.slice(0, 2) })).toEqual({
      markNotificationsRead: 2,
    });
    expect(await bob.client.data(`mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, { ids: ids.slice(0, 2) })).toEqual({
      markNotificationsRead: 0,
    });
    expect((await inbox(bob, { unreadOnly: true })).notifications).toMatchObject({ totalCount: 2, unreadCount: 2 });
    const signedOut = await new (await import("../harness/client.ts")).GatewayClient().request(INBOX);
    expect(signedOut.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("delivers notificationAdded to its addressee only, while another member on the same graph receives nothing", async () => {
    const { ann, bob } = await twoTraders(0);
    const cleo = await registerUser();
    // The probes below are credits Ann sends: an admin's grant (welcome credits are not sent on before a completed trade).
    await grantTo(ann, 30);
    const [bobWs, cleoWs] = [wsClient(bob.accessToken), wsClient(cleo.accessToken)];
    const query = `subscription { notificationAdded { id kind trade { id } } }`;
    try {
      const bobs = new Subscription<{ notificationAdded: { kind: string; trade: { id: string } | null } }>(bobWs, query);
      const cleos = new Subscription<{ notificationAdded: { kind: string; trade: { id: string } | null } }>(cleoWs, query);
      // Listening: each is sent a probe of their own (a credit) until it arrives.
      for (const [who, sub] of [
        [bob, bobs],
        [cleo, cleos],
      ] as const) {
        for (let i = 0; ; i++) {
          await transfer(ann, who.id, 1);
          try {
            await sub.until((r) => r.data?.notificationAdded.kind === "CREDITS_RECEIVED", "a probe", 1500);
            break;
          } catch (e) {
            if (i === 10) throw e;
          }
        }
      }
      const cleoBefore = cleos.results.length;
      const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 3 });
      const got = await bobs.until((r) => r.data?.notificationAdded.trade?.id === trade.id, "bob's proposal notification");
      expect(got.data!.notificationAdded.kind).toBe("TRADE_PROPOSED");
      // Cleo's feed is live (her probe arrived) and ordered: one more credit to her, and when it
      // arrives, Bob's notification has passed her by.
      await transfer(ann, cleo.id, 1);
      await cleos.until((r) => r.data?.notificationAdded.kind === "CREDITS_RECEIVED" && cleos.results.indexOf(r) >= cleoBefore, "cleo's control");
      expect(cleos.results.slice(cleoBefore).map((r) => r.data?.notificationAdded.kind)).toEqual(["CREDITS_RECEIVED"]);
      expect((await mutate(bob, DECLINE, { id: trade.id })).errors).toEqual([]);
    } finally {
      await Promise.all([bobWs.dispose(), cleoWs.dispose()]);
    }
  });
});
