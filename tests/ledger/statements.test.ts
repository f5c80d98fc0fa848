// A member's statement through the gateway: ledgerEntries filtered by time and kind, with totals
// over every entry the filter selects (not only the page) and the balance at each end.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { grantedUser, grantTo, transfer } from "./helpers.ts";

const STATEMENT = /* GraphQL */ `
  query ($first: Int, $from: DateTime, $to: DateTime, $kinds: [String!]) {
    ledgerEntries(first: $first, from: $from, to: $to, kinds: $kinds) {
      totalCount
      edges { node { kind amount balanceAfter createdAt } }
      totals { count credited debited net openingBalance closingBalance }
    }
  }
`;
type Statement = {
  ledgerEntries: {
    totalCount: number;
    edges: { node: { kind: string; amount: number; balanceAfter: number; createdAt: string } }[];
    totals: { count: number; credited: number; debited: number; net: number; openingBalance: number; closingBalance: number };
  };
};

describe("ledgerEntries as a statement", () => {
  it("filters by kind and by time, and totals every selected entry with the balance at each end", async () => {
    const [ann, bob] = await Promise.all([grantedUser(100), grantedUser(50)]);
    await transfer(ann, bob.id, 30, randomUUID(), "chair");
    await transfer(bob, ann.id, 5, randomUUID(), "change");
    await grantTo(ann, 20);
    await transfer(ann, bob.id, 7, randomUUID(), "lamp");
    // Ann: grant +100 (100), transfer -30 (70), transfer +5 (75), grant +20 (95), transfer -7 (88).
    const all = (await ann.client.data<Statement>(STATEMENT, {})).ledgerEntries;
    expect(all.edges.map((e) => [e.node.kind, e.node.amount, e.node.balanceAfter])).toEqual([
      ["transfer", -7, 88],
      ["grant", 20, 95],
      ["transfer", 5, 75],
      ["transfer", -30, 70],
      ["grant", 100, 100],
    ]);
    expect(all.totals).toEqual({ count: 5, credited: 125, debited: 37, net: 88, openingBalance: 0, closingBalance: 88 });

    // Transfers only, one entry a page: the totals still cover all three.
    const transfers = (await ann.client.data<Statement>(STATEMENT, { kinds: ["transfer"], first: 1 })).ledgerEntries;
    expect(transfers.totalCount).toBe(3);
    expect(transfers.edges.map((e) => e.node.amount)).toEqual([-7]);
    expect(transfers.totals).toEqual({ count: 3, credited: 5, debited: 37, net: -32, openingBalance: 0, closingBalance: 88 });

    // A range by the entries' own times: from the first transfer (inclusive) to the last one (exclusive).
    const times = all.edges.map((e) => e.node.createdAt);
    const range = (await ann.client.data<Statement>(STATEMENT, { from: times[3], to: times[0] })).ledgerEntries;
    expect(range.edges.map((e) => e.node.amount)).toEqual([20, 5, -30]);
    expect(range.totals).toEqual({ count: 3, credited: 25, debited: 30, net: -5, openingBalance: 100, closingBalance: 95 });
    // Opening + net = closing when no kind is filtered out.
    expect(range.totals.openingBalance + range.totals.net).toBe(range.totals.closingBalance);

    // Nobody else's entries: Bob's statement is his own.
    const bobs = (await bob.client.data<Statement>(STATEMENT, { kinds: ["transfer"] })).ledgerEntries;
    expect(bobs.totals).toMatchObject({ count: 3, credited: 37, debited: 5 });
  });

  it("refuses an unknown kind and a range that ends before it begins, naming the argument", async () => {
    const ann = await grantedUser(10);
    const kind = await ann.client.request(STATEMENT, { kinds: ["transfer", "bribe"] });
    expect(kind.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "kinds" });
    const backwards = await ann.client.request(STATEMENT, { from: "2026-02-01T00:00:00.000Z", to: "2026-01-01T00:00:00.000Z" });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "to" });
    // The same query with good arguments answers (positive control).
    expect((await ann.client.data<Statement>(STATEMENT, { kinds: ["grant"] })).ledgerEntries.totals.count).toBe(1);
  });
});
