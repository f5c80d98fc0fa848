// The two parties of a trade talking, through the gateway: who may read and write, until when,
// live delivery, the counterpart's notification (one unread per trade), an admin's reading of a
// disputed trade, the member's export and a departed author.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { registerUser, wsClient, type GatewayClient, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { untilNoJobFor } from "../harness/jobs.ts";
import { Subscription } from "../harness/subscription.ts";
import { accept, adminClient, asService, CANCEL, database, DISPUTE, fundedUser, mutate, proposed, RESOLVE, type UserErrorData } from "./helpers.ts";

const SEND = `mutation ($tradeId: ID!, $body: String!, $key: String) {
  sendTradeMessage(tradeId: $tradeId, body: $body, idempotencyKey: $key) { message { id body sentAt author { id } } errors { code message field } } }`;
const MESSAGES = `query ($id: ID!, $first: Int, $after: String) { trade(id: $id) { id status
  messages(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id body author { id deleted } } } } } }`;
const NOTIFICATIONS = `{ notifications(first: 100, unreadOnly: true) { edges { node { id kind trade { id } } } } }`;
const MARK_READ = `mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`;
const LIVE = `subscription ($id: ID!, $after: String) { tradeUpdated(id: $id) { id messages(after: $after) { edges { node { body author { id } } } } } }`;

interface Message {
  id: string;
  body: string;
  author: { id: string; deleted?: boolean };
}
interface Sent {
  message: Message | null;
  errors: UserErrorData[];
}
interface Page {
  trade: {
    id: string;
    status: string;
    messages: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Message }[] };
  } | null;
}
type Inbox = { notifications: { edges: { node: { id: string; kind: string; trade: { id: string } | null } }[] } };

const send = async (client: GatewayClient, tradeId: string, body: string, key?: string): Promise<Sent> =>
  (await client.data<{ sendTradeMessage: Sent }>(SEND, { tradeId, body, key })).sendTradeMessage;
const read = (client: GatewayClient, id: string, first?: number, after?: string | null) => client.data<Page>(MESSAGES, { id, first, after });
const bodies = (page: Page) => page.trade!.messages.edges.map((e) => e.node.body);
const unreadAbout = async (user: TestUser, tradeId: string) =>
  (await user.client.data<Inbox>(NOTIFICATIONS)).notifications.edges.map((e) => e.node).filter((n) => n.kind === "TRADE_MESSAGE" && n.trade?.id === tradeId);

describe("trade messages", () => {
  let ann: TestUser;
  let bob: TestUser;
  let carl: TestUser;
  beforeAll(async () => {
    [ann, bob, carl] = await Promise.all([fundedUser(), fundedUser(), registerUser()]);
  });

  it("the parties write and read, oldest first; nobody else reads or writes; a closed trade refuses", async () => {
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 1, message: "for your lamp" });
    const first = await send(ann.client, trade.id, "  Is the lamp still working?\nThanks  ");
    expect(first.errors).toEqual([]);
    expect(first.message).toMatchObject({ body: "Is the lamp still working?\nThanks", author: { id: ann.id } });
    expect((await send(bob.client, trade.id, "Yes, new bulb too.")).errors).toEqual([]);
    expect((await send(ann.client, trade.id, "Great")).errors).toEqual([]);

    // Both parties read the conversation, in pages of the keyset cursor.
    for (const party of [ann, bob]) {
      const page = await read(party.client, trade.id, 2);
      expect(page.trade!.messages.totalCount).toBe(3);
      expect(bodies(page)).toEqual(["Is the lamp still working?\nThanks", "Yes, new bulb too."]);
      expect(page.trade!.messages.edges.map((e) => e.node.author.id)).toEqual([ann.id, bob.id]);
      expect(page.trade!.messages.pageInfo.hasNextPage).toBe(true);
      const rest = await read(party.client, trade.id, 2, page.trade!.messages.pageInfo.endCursor);
      expect(bodies(rest)).toEqual(["Great"]);
      expect(rest.trade!.messages.pageInfo.hasNextPage).toBe(false);
    }

    // A third member neither reads (the trade is not theirs to see) nor writes: NOT_FOUND, as for a trade that does not exist.
    expect((await read(carl.client, trade.id)).trade).toBeNull();
    const outsider = await send(carl.client, trade.id, "Hello?");
    expect(outsider).toEqual({ message: null, errors: [expect.objectContaining({ code: "NOT_FOUND", field: "tradeId" })] });
    expect((await send(carl.client, randomUUID(), "Hello?")).errors).toEqual([expect.objectContaining({ code: "NOT_FOUND", field: "tradeId" })]);
    expect((await read(bob.client, trade.id)).trade!.messages.totalCount).toBe(3);

    // Bad bodies are refused, naming the field (the good ones above are the control).
    for (const body of ["   ", "bell\u0007", "x".repeat(2001), "hidden\u200btext"]) {
      const refused = await send(ann.client, trade.id, body);
      expect(refused.message).toBeNull();
      expect(refused.errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "body" })]);
    }
    expect((await send(ann.client, trade.id, "x".repeat(2000))).errors).toEqual([]);

    // A resend with the same key stores nothing new; the same key for another text is refused.
    const key = randomUUID();
    const once = await send(bob.client, trade.id, "See you Saturday", key);
    const again = await send(bob.client, trade.id, "See you Saturday", key);
    expect(again.message!.id).toBe(once.message!.id);
    expect((await send(bob.client, trade.id, "See you Sunday", key)).errors).toEqual([
      expect.objectContaining({ code: "IDEMPOTENCY_CONFLICT", field: "idempotencyKey" }),
    ]);
    expect((await read(ann.client, trade.id)).trade!.messages.totalCount).toBe(5);

    // Closed: nothing more is sent (the sends above, on the open trade, are the control); the conversation stays readable.
    expect((await mutate(ann, CANCEL, { id: trade.id })).errors).toEqual([]);
    const closed = await send(bob.client, trade.id, "Too late?");
    expect(closed).toEqual({ message: null, errors: [expect.objectContaining({ code: "TRADE_CLOSED", field: "tradeId" })] });
    const after = await read(bob.client, trade.id);
    expect(after.trade!.status).toBe("CANCELLED");
    expect(after.trade!.messages.totalCount).toBe(5);
  });

  it("reaches the counterpart live on tradeUpdated, and as one unread notification per trade until read", async () => {
    const trade = await proposed(bob, { recipientId: ann.id, offeredCredits: 1 });
    const socket = wsClient(ann.accessToken);
    try {
      // Subscribed to the trade, ann gets its current state first: she is listening.
      const live = new Subscription<{ tradeUpdated: { messages: { edges: { node: { body: string; author: { id: string } } }[] } } }>(socket, LIVE, {
        id: trade.id,
        after: null,
      });
      await live.until((r) => r.data?.tradeUpdated.messages.edges.length === 0, "the trade as it is");
      expect((await send(bob.client, trade.id, "Hi Ann, when suits you?")).errors).toEqual([]);
      const delivered = await live.until((r) => (r.data?.tradeUpdated.messages.edges.length ?? 0) > 0, "bob's message");
      expect(delivered.data!.tradeUpdated.messages.edges.map((e) => e.node)).toEqual([{ body: "Hi Ann, when suits you?", author: { id: bob.id } }]);
      live.dispose();
    } finally {
      await socket.dispose();
    }

    const told = await eventually(
      "ann's TRADE_MESSAGE notification",
      () => unreadAbout(ann, trade.id),
      (n) => n.length > 0,
    );
    expect(told).toHaveLength(1);
    // A burst while it is unread adds nothing: every notify job for ann has run, and still one.
    for (const body of ["Saturday?", "Or Sunday."]) expect((await send(bob.client, trade.id, body)).errors).toEqual([]);
    await untilNoJobFor(database(), ann.id, "identity:notify");
    expect(await unreadAbout(ann, trade.id)).toEqual(told);
    // The author is not told of their own messages.
    await untilNoJobFor(database(), bob.id, "identity:notify");
    expect(await unreadAbout(bob, trade.id)).toEqual([]);

    // Once read, the next message is a new notification (the control of the collapse above).
    expect(await ann.client.data(MARK_READ, { ids: told.map((n) => n.id) })).toEqual({ markNotificationsRead: 1 });
    expect((await send(bob.client, trade.id, "Sunday then.")).errors).toEqual([]);
    const next = await eventually(
      "a new notification after reading",
      () => unreadAbout(ann, trade.id),
      (n) => n.length > 0,
    );
    expect(next).toHaveLength(1);
    expect(next[0]!.id).not.toBe(told[0]!.id);
  });

  it("an admin reads them only while the trade is DISPUTED; the parties write until it is resolved", async () => {
    const admin = await adminClient();
    const trade = await proposed(ann, { recipientId: bob.id, offeredCredits: 2 });
    expect((await accept(bob, trade.id)).errors).toEqual([]);
    expect((await send(ann.client, trade.id, "Picked it up, it is broken")).errors).toEqual([]);

    // ACCEPTED: the admin sees the trade but not its messages (the parties do).
    const before = await read(admin, trade.id);
    expect(before.trade!.status).toBe("ACCEPTED");
    expect(before.trade!.messages).toMatchObject({ totalCount: 0, edges: [] });
    expect((await read(bob.client, trade.id)).trade!.messages.totalCount).toBe(1);

    expect((await mutate(bob, DISPUTE, { id: trade.id, reason: "It was working when I gave it" })).errors).toEqual([]);
    // DISPUTED is still open for the parties...
    expect((await send(bob.client, trade.id, "It worked on Saturday")).errors).toEqual([]);
    // ...and now the admin reads the conversation, but may not write in it.
    expect(bodies(await read(admin, trade.id))).toEqual(["Picked it up, it is broken", "It worked on Saturday"]);
    expect((await send(admin, trade.id, "Admin here")).errors).toEqual([expect.objectContaining({ code: "NOT_FOUND" })]);

    expect((await admin.data<{ resolveDispute: { errors: UserErrorData[] } }>(RESOLVE, { id: trade.id, outcome: "CANCEL" })).resolveDispute.errors).toEqual([]);
    expect((await read(ann.client, trade.id)).trade!.status).toBe("RESOLVED");
    expect((await send(ann.client, trade.id, "Thanks")).errors).toEqual([expect.objectContaining({ code: "TRADE_CLOSED" })]);
    // Resolved, the trade is no longer DISPUTED: the admin no longer reads it.
    expect((await read(admin, trade.id)).trade!.messages.totalCount).toBe(0);
  });

  it("the member's export holds their own messages; a departed author shows as deleted", async () => {
    const dave = await registerUser();
    const trade = await proposed(dave, { recipientId: ann.id, offeredCredits: 1 });
    expect((await send(dave.client, trade.id, "Dave's question")).errors).toEqual([]);
    expect((await send(ann.client, trade.id, "Ann's answer")).errors).toEqual([]);

    const { exportTradeRecords } = await asService<{ exportTradeRecords: string }>("trades", `query ($id: ID!) { exportTradeRecords(userId: $id) }`, {
      id: dave.id,
    });
    const section = JSON.parse(exportTradeRecords) as { fields: Record<string, string>; records: { messages: { tradeId: string; body: string }[] } };
    expect(section.records.messages).toEqual([expect.objectContaining({ tradeId: trade.id, body: "Dave's question" })]);
    expect(section.fields["messages[]"]).toBeDefined();

    const DELETE = `mutation ($password: String!) { deleteMyAccount(password: $password) { accepted errors { code } } }`;
    expect(await dave.client.data(DELETE, { password: dave.password })).toEqual({ deleteMyAccount: { accepted: true, errors: [] } });
    const page = await read(ann.client, trade.id);
    expect(page.trade!.messages.edges.map((e) => [e.node.body, e.node.author])).toEqual([
      ["Dave's question", { id: dave.id, deleted: true }],
      ["Ann's answer", { id: ann.id, deleted: false }],
    ]);
  });
});
