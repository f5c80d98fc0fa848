// Feedback read on a member's profile through the gateway: what others said, newest first, by
// whom; the trade it is about only for its two parties.
import { describe, expect, it } from "vitest";
import { GatewayClient, type TestUser } from "../harness/client.ts";
import { accept, CONFIRM, FEEDBACK, mutate, swapTrade } from "./helpers.ts";

const PROFILE = `query ($id: ID!, $first: Int, $after: String) {
  user(id: $id) {
    rating
    feedback(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { rating comment author { id displayName } trade { id } } }
    }
  }
}`;

type Page = {
  user: {
    rating: number | null;
    feedback: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { node: { rating: number; comment: string | null; author: { id: string; displayName: string }; trade: { id: string } | null } }[];
    };
  };
};

/** A completed trade between a new pair, and the proposer's feedback on the recipient. */
async function reviewed(rating: number, comment: string): Promise<{ author: TestUser; subject: TestUser; tradeId: string }> {
  const { ann, bob, trade } = await swapTrade();
  expect((await accept(bob, trade.id)).errors).toEqual([]);
  await mutate(ann, CONFIRM, { id: trade.id });
  await mutate(bob, CONFIRM, { id: trade.id });
  expect((await mutate(ann, FEEDBACK, { tradeId: trade.id, rating, comment })).errors).toEqual([]);
  return { author: ann, subject: bob, tradeId: trade.id };
}

describe("User.feedback", () => {
  it("shows anyone the rating, comment and author; the trade only to its parties", async () => {
    const { author, subject, tradeId } = await reviewed(4, "Lovely lamp, on time");
    const read = (client: GatewayClient) => client.data<Page>(PROFILE, { id: subject.id });

    const seen = await read(new GatewayClient());
    expect(seen.user.rating).toBe(4);
    expect(seen.user.feedback.totalCount).toBe(1);
    expect(seen.user.feedback.edges.map((e) => e.node)).toEqual([
      { rating: 4, comment: "Lovely lamp, on time", author: { id: author.id, displayName: author.displayName }, trade: null },
    ]);
    // The two parties see which trade it was about (the positive control of the null above).
    for (const party of [author, subject]) {
      expect((await read(party.client)).user.feedback.edges[0]!.node.trade).toEqual({ id: tradeId });
    }
    // Feedback the author gave is not feedback they received.
    expect((await new GatewayClient().data<Page>(PROFILE, { id: author.id })).user.feedback).toMatchObject({ totalCount: 0, edges: [] });
  });

  it("pages newest first with a cursor, and refuses a cursor that is not one of ours", async () => {
    // One member reviewed by three partners, one trade each.
    const { subject } = await reviewed(5, "first");
    const more = [];
    for (const [rating, comment] of [
      [3, "second"],
      [2, "third"],
    ] as const) {
      const { ann, trade } = await swapTradeWith(subject);
      more.push(ann);
      expect((await mutate(ann, FEEDBACK, { tradeId: trade.id, rating, comment })).errors).toEqual([]);
    }
    const reader = new GatewayClient();
    const first = await reader.data<Page>(PROFILE, { id: subject.id, first: 2 });
    expect(first.user.feedback.totalCount).toBe(3);
    expect(first.user.feedback.edges.map((e) => e.node.comment)).toEqual(["third", "second"]);
    expect(first.user.feedback.pageInfo.hasNextPage).toBe(true);
    const rest = await reader.data<Page>(PROFILE, { id: subject.id, first: 2, after: first.user.feedback.pageInfo.endCursor });
    expect(rest.user.feedback.edges.map((e) => e.node.comment)).toEqual(["first"]);
    expect(rest.user.feedback.pageInfo.hasNextPage).toBe(false);
    expect(rest.user.rating).toBeCloseTo(10 / 3);

    const refused = await reader.request(PROFILE, { id: subject.id, after: "bm90IG91cnM" });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});

/** A completed trade in which `recipient` takes part: a new proposer offers for one of the recipient's new listings. */
async function swapTradeWith(recipient: TestUser) {
  const { ann, trade } = await swapTrade(1, recipient);
  expect((await accept(recipient, trade.id)).errors).toEqual([]);
  await mutate(ann, CONFIRM, { id: trade.id });
  await mutate(recipient, CONFIRM, { id: trade.id });
  return { ann, trade };
}
