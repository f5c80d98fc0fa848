import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient } from "../harness/client.ts";
import { adminClient, fundedUser, grantedUser, RECONCILIATION, transfer, type Reconciled } from "./helpers.ts";

const ENTRIES = /* GraphQL */ `
  query($first: Int, $after: String) {
    ledgerEntries(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { kind amount balanceAfter memo counterparty { id displayName } createdAt } }
    }
  }
`;
type Entries = {
  ledgerEntries: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: {
      cursor: string;
      node: {
        kind: string;
        amount: number;
        balanceAfter: number;
        memo: string | null;
        counterparty: { id: string; displayName: string } | null;
        createdAt: string;
      };
    }[];
  };
};

describe("ledgerEntries", () => {
  // Ann's 100 credits are an admin's grant: welcome credits are not sent on before a completed
  // trade. Bob's 5 come out of the 30 he received, which he may send.
  it("lists the member's entries newest first, with the running balance and the counterparty", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), fundedUser()]);
    await transfer(ann, bob.id, 30, randomUUID(), "chair");
    await transfer(bob, ann.id, 5, randomUUID(), "change");
    const { ledgerEntries } = await ann.client.data<Entries>(ENTRIES, {});
    expect(ledgerEntries.totalCount).toBe(3);
    expect(ledgerEntries.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ kind: "transfer", amount: 5, balanceAfter: 75, memo: "change", counterparty: { id: bob.id, displayName: bob.displayName } }),
      expect.objectContaining({ kind: "transfer", amount: -30, balanceAfter: 70, memo: "chair", counterparty: { id: bob.id, displayName: bob.displayName } }),
      expect.objectContaining({ kind: "grant", amount: 100, balanceAfter: 100, memo: "test credits", counterparty: null }),
    ]);
  });

  it("pages with first/after", async () => {
    const [ann, bob] = await Promise.all([grantedUser(), fundedUser()]);
    for (let i = 1; i <= 4; i++) await transfer(ann, bob.id, i);
    const first = (await ann.client.data<Entries>(ENTRIES, { first: 2 })).ledgerEntries;
    expect(first.edges.map((e) => e.node.amount)).toEqual([-4, -3]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = (await ann.client.data<Entries>(ENTRIES, { first: 2, after: first.pageInfo.endCursor })).ledgerEntries;
    expect(second.edges.map((e) => e.node.amount)).toEqual([-2, -1]);
    const third = (await ann.client.data<Entries>(ENTRIES, { first: 2, after: second.pageInfo.endCursor })).ledgerEntries;
    expect(third.edges.map((e) => e.node.amount)).toEqual([100]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect(third.totalCount).toBe(5);
  });

  it("refuses a foreign cursor and requires signing in", async () => {
    const ann = await fundedUser();
    const bad = await ann.client.request(ENTRIES, { after: "nonsense" });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const anonymous = await new GatewayClient().request(ENTRIES, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("ledgerReconciliation", () => {
  it("is for admins only", async () => {
    const ann = await fundedUser();
    const res = await ann.client.request(RECONCILIATION);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("finds the books balanced", async () => {
    const admin = await adminClient();
    const { ledgerReconciliation } = await admin.data<Reconciled>(RECONCILIATION);
    expect(ledgerReconciliation.accountsChecked).toBeGreaterThan(1);
    expect(ledgerReconciliation).toMatchObject({ differences: [], transfersUnbalanced: 0 });
  });
});
