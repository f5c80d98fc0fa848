// The administrators' disputes queue (issue 23): listing disputes oldest first, taking one so two
// admins do not work the same dispute, a lapsed claim, and a resolution whose reason both parties hear.
import { describe, expect, it } from "vitest";
import { anotherAdmin, GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { accept, adminClient, CONFIRM, database, DISPUTE, mutate, recoverTrades, swapTrade } from "./helpers.ts";

const DISPUTES = /* GraphQL */ `query ($status: DisputeStatus, $first: Int, $after: String) {
  disputes(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id openedAt reason openedBy assignee { id } claimedUntil resolution resolvedBy { id } resolutionReason
      trade {
        id status proposer { id } recipient { id } escrow { amount status }
        offeredListingLines { title changedSinceProposed listing { id } }
        messages(first: 5) { totalCount }
      }
    } }
  } }`;
const TAKE = `mutation ($id: ID!) { takeDispute(tradeId: $id) {
  dispute { id assignee { id } claimedUntil } errors { code message field } } }`;
const RESOLVE = `mutation ($id: ID!, $outcome: DisputeOutcome!, $reason: String) {
  resolveDispute(id: $id, outcome: $outcome, reason: $reason) { trade { id status resolution } errors { code message field } } }`;
const INBOX = `{ notifications(first: 50) { edges { node { kind message trade { id } } } } }`;

interface DisputeNode {
  id: string;
  openedAt: string;
  reason: string | null;
  openedBy: string;
  assignee: { id: string } | null;
  claimedUntil: string | null;
  resolution: string | null;
  resolvedBy: { id: string } | null;
  resolutionReason: string | null;
  trade: { id: string; status: string; proposer: { id: string }; recipient: { id: string }; escrow: { amount: number; status: string } | null };
}
interface Page {
  disputes: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: DisputeNode }[] };
}
interface Take {
  takeDispute: { dispute: { id: string; assignee: { id: string } | null; claimedUntil: string | null } | null; errors: { code: string }[] };
}

/** Every dispute in a status, page by page (two at a time, to go through the cursors), in the order served. */
async function allDisputes(admin: GatewayClient, status: "OPEN" | "RESOLVED"): Promise<DisputeNode[]> {
  const nodes: DisputeNode[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page: Page = await admin.data<Page>(DISPUTES, { status, first: 2, after });
    nodes.push(...page.disputes.edges.map((e) => e.node));
    if (!page.disputes.pageInfo.hasNextPage) return nodes;
    after = page.disputes.pageInfo.endCursor;
  }
  throw new Error("too many pages");
}

async function acceptedSwap() {
  const swap = await swapTrade();
  expect((await accept(swap.bob, swap.trade.id)).errors).toEqual([]);
  return { ...swap, id: swap.trade.id };
}

async function partyDispute(reason: string) {
  const swap = await acceptedSwap();
  expect((await mutate(swap.ann, DISPUTE, { id: swap.id, reason })).errors).toEqual([]);
  return swap;
}

async function untilResolvedNotice(user: TestUser, tradeId: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const { notifications } = await user.client.data<{ notifications: { edges: { node: { kind: string; message: string; trade: { id: string } | null } }[] } }>(
      INBOX,
    );
    const found = notifications.edges.find((e) => e.node.kind === "TRADE_RESOLVED" && e.node.trade?.id === tradeId);
    if (found) return found.node.message;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no TRADE_RESOLVED notification of ${tradeId} reached ${user.id}`);
}

type Inbox = { notifications: { edges: { node: { kind: string; message: string; trade: { id: string } | null } }[] } };
const inboxOf = async (client: GatewayClient) => (await client.data<Inbox>(INBOX)).notifications.edges.map((e) => e.node);

describe("the disputes queue", { timeout: 60_000 }, () => {
  it("tells every admin when a dispute opens, a party's or the deadline's, with the trade and why; nobody else hears of it", async () => {
    const [one, two] = await Promise.all([anotherAdmin(), anotherAdmin()]);
    const bystander = await registerUser();
    const party = await partyDispute("The drill's battery is missing");
    const overdue = await acceptedSwap();
    await mutate(overdue.ann, CONFIRM, { id: overdue.id });
    await database()`update trades.trades set confirm_by = now() - interval '1 second' where id = ${overdue.id}`;
    await recoverTrades();

    for (const admin of [one, two]) {
      const told = await eventually(
        "both disputes in the admin's inbox",
        () => inboxOf(admin.client),
        (nodes) => [party.id, overdue.id].every((id) => nodes.some((n) => n.kind === "DISPUTE_OPENED" && n.trade?.id === id)),
      );
      const about = (id: string) => told.filter((n) => n.kind === "DISPUTE_OPENED" && n.trade?.id === id);
      expect(about(party.id)).toHaveLength(1);
      expect(about(party.id)[0]!.message).toContain("The drill's battery is missing");
      expect(about(overdue.id)[0]!.message).toMatch(/Not confirmed by both parties in time/);
    }
    // The other party hears of the dispute as a party does (positive control on a member's inbox), not as the queue's keepers do.
    const bobs = await eventually(
      "Bob told of the dispute",
      () => inboxOf(party.bob.client),
      (nodes) => nodes.some((n) => n.kind === "TRADE_DISPUTED"),
    );
    expect(bobs.some((n) => n.kind === "DISPUTE_OPENED")).toBe(false);
    expect((await inboxOf(bystander.client)).some((n) => n.kind === "DISPUTE_OPENED")).toBe(false);
  });

  it("lists open disputes to admins, oldest first, with why and by whom they opened", async () => {
    const first = await partyDispute("The bike has no brakes");
    const overdue = await acceptedSwap();
    await mutate(overdue.ann, CONFIRM, { id: overdue.id });
    await database()`update trades.trades set confirm_by = now() - interval '1 second' where id = ${overdue.id}`;
    await recoverTrades();

    const open = await allDisputes(await adminClient(), "OPEN");
    const mine = open.filter((d) => d.id === first.id || d.id === overdue.id);
    expect(mine.map((d) => d.id)).toEqual([first.id, overdue.id]);
    expect(new Date(mine[0]!.openedAt).getTime()).toBeLessThan(new Date(mine[1]!.openedAt).getTime());
    // Oldest first across the whole queue, page after page.
    const times = open.map((d) => new Date(d.openedAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(mine[0]).toMatchObject({
      reason: "The bike has no brakes",
      openedBy: "PARTY",
      assignee: null,
      claimedUntil: null,
      trade: { id: first.id, status: "DISPUTED", proposer: { id: first.ann.id }, recipient: { id: first.bob.id }, escrow: { amount: 40, status: "HELD" } },
    });
    expect(mine[1]).toMatchObject({ reason: expect.stringMatching(/Not confirmed by both parties in time/), openedBy: "SYSTEM" });
    expect(open.every((d) => d.trade.status === "DISPUTED")).toBe(true);
  });

  it("refuses a member asking for the queue, and answers the admin on the same query", async () => {
    const { ann, id } = await partyDispute("Wrong colour");
    const refused = await ann.client.request(DISPUTES, {});
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const took = await ann.client.data<Take>(TAKE, { id }).catch((e: Error) => e.message);
    expect(took).toMatch(/FORBIDDEN/);
    // Positive control: the same query as an admin lists the dispute (status defaults to OPEN).
    const admin = await adminClient();
    const listed = await admin.data<Page>(DISPUTES, { first: 100 });
    expect(listed.disputes.totalCount).toBeGreaterThan(0);
    expect((await allDisputes(admin, "OPEN")).some((d) => d.id === id)).toBe(true);
  });

  it("lets exactly one of two racing admins take a dispute, until the claim lapses", async () => {
    const { id } = await partyDispute("Item never handed over");
    const [one, two] = await Promise.all([anotherAdmin(), anotherAdmin()]);
    const answers = await Promise.all([one.client.data<Take>(TAKE, { id }), two.client.data<Take>(TAKE, { id })]);
    const won = answers.filter((a) => a.takeDispute.errors.length === 0);
    const lost = answers.filter((a) => a.takeDispute.errors.length > 0);
    expect(won).toHaveLength(1);
    expect(lost.map((a) => a.takeDispute.errors.map((e) => e.code))).toEqual([["DISPUTE_TAKEN"]]);
    const winner = answers[0]!.takeDispute.errors.length === 0 ? one : two;
    const loser = winner === one ? two : one;
    expect(won[0]!.takeDispute.dispute!.assignee).toEqual({ id: winner.id });
    // About 30 minutes (DISPUTE_CLAIM_MINUTES).
    const until = new Date(won[0]!.takeDispute.dispute!.claimedUntil!).getTime();
    expect(until).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(until).toBeLessThan(Date.now() + 31 * 60_000);

    // The holder renews; the other still cannot take it, nor resolve it behind the holder's back.
    expect((await winner.client.data<Take>(TAKE, { id })).takeDispute.errors).toEqual([]);
    expect((await loser.client.data<Take>(TAKE, { id })).takeDispute.errors).toEqual([expect.objectContaining({ code: "DISPUTE_TAKEN" })]);
    const behind = await loser.client.data<{ resolveDispute: { errors: { code: string }[] } }>(RESOLVE, { id, outcome: "CANCEL" });
    expect(behind.resolveDispute.errors).toEqual([expect.objectContaining({ code: "DISPUTE_TAKEN" })]);

    // The claim goes stale: now the other admin takes it.
    await database()`update trades.trades set dispute_claimed_until = now() - interval '1 second' where id = ${id}`;
    const retaken = await loser.client.data<Take>(TAKE, { id });
    expect(retaken.takeDispute.errors).toEqual([]);
    expect(retaken.takeDispute.dispute!.assignee).toEqual({ id: loser.id });
    expect((await winner.client.data<Take>(TAKE, { id })).takeDispute.errors).toEqual([expect.objectContaining({ code: "DISPUTE_TAKEN" })]);
  });

  it("records the resolving admin's reason, tells both parties, and moves the dispute to RESOLVED", async () => {
    const { ann, bob, id } = await partyDispute("The lamp flickers");
    const admin = await anotherAdmin();
    expect((await admin.client.data<Take>(TAKE, { id })).takeDispute.errors).toEqual([]);
    const reason = "Both photos show the lamp working at hand-over.";
    const blank = await admin.client.data<{ resolveDispute: { errors: unknown[] } }>(RESOLVE, { id, outcome: "COMPLETE", reason: "  " });
    expect(blank.resolveDispute.errors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: "reason" })]);
    const resolved = await admin.client.data<{ resolveDispute: { trade: { status: string }; errors: unknown[] } }>(RESOLVE, {
      id,
      outcome: "COMPLETE",
      reason,
    });
    expect(resolved.resolveDispute).toMatchObject({ trade: { status: "RESOLVED" }, errors: [] });

    const [toAnn, toBob] = await Promise.all([untilResolvedNotice(ann, id), untilResolvedNotice(bob, id)]);
    expect(toAnn).toContain(reason);
    expect(toBob).toContain(reason);

    const queue = await adminClient();
    expect((await allDisputes(queue, "OPEN")).some((d) => d.id === id)).toBe(false);
    const done = (await allDisputes(queue, "RESOLVED")).find((d) => d.id === id);
    expect(done).toMatchObject({
      resolution: "COMPLETE",
      resolvedBy: { id: admin.id },
      resolutionReason: reason,
      reason: "The lamp flickers",
      openedBy: "PARTY",
    });
    expect(done!.trade.status).toBe("RESOLVED");
    // Taking a resolved dispute is refused, as data.
    expect((await admin.client.data<Take>(TAKE, { id })).takeDispute.errors).toEqual([expect.objectContaining({ code: "INVALID_STATE" })]);
  });
});
