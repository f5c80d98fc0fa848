import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { category, createListing } from "./helpers.ts";

const anonymous = new GatewayClient();
const PAGE = `query ($filter: ListingFilter, $first: Int, $after: String) {
  listings(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id title status } } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;
const USER_LISTINGS = `query ($id: ID!, $status: ListingStatus, $first: Int, $after: String) {
  user(id: $id) { listings(status: $status, first: $first, after: $after) {
    totalCount edges { node { id title status } } pageInfo { hasNextPage endCursor } } }
}`;
type Node = { id: string; title: string; status: string };
type Page = {
  listings: {
    totalCount: number;
    edges: { cursor: string; node: Node }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
};
type UserListings = {
  user: { listings: { totalCount: number; edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
};

async function seed(n: number) {
  const ann = await registerUser();
  const made = [];
  for (let i = 0; i < n; i++) made.push(await createListing(ann, { title: `Item ${i}` }));
  return { ann, made };
}

describe("listings(filter, first, after)", () => {
  it("pages newest first with a totalCount, and cursors keep working while rows are inserted", async () => {
    const { ann, made } = await seed(5);
    const filter = { ownerId: ann.id };
    const first = await anonymous.data<Page>(PAGE, { filter, first: 2 });
    expect(first.listings.totalCount).toBe(5);
    expect(first.listings.edges.map((e) => e.node.title)).toEqual(["Item 4", "Item 3"]);
    expect(first.listings.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    await createListing(ann, { title: "Inserted between pages" });
    const second = await anonymous.data<Page>(PAGE, { filter, first: 2, after: first.listings.pageInfo.endCursor });
    expect(second.listings.edges.map((e) => e.node.title)).toEqual(["Item 2", "Item 1"]);
    expect(second.listings.totalCount).toBe(6);
    expect(second.listings.pageInfo.hasPreviousPage).toBe(true);

    const third = await anonymous.data<Page>(PAGE, { filter, first: 2, after: second.listings.pageInfo.endCursor });
    expect(third.listings.edges.map((e) => e.node.id)).toEqual([made[0]!.id]);
    expect(third.listings.pageInfo.hasNextPage).toBe(false);
  });

  it("caps first at 100 and refuses a negative first or a forged cursor", async () => {
    const capped = await anonymous.data<Page>(PAGE, { first: 500 });
    expect(capped.listings.edges.length).toBeLessThanOrEqual(100);
    const negative = await anonymous.request(PAGE, { first: -1 });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    const forgeries = [
      ["yesterday", "x"],
      ["2021-02-30T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
      [1, 2, 3],
    ];
    for (const after of ["garbage", ...forgeries.map((k) => Buffer.from(JSON.stringify(k)).toString("base64url"))]) {
      const forged = await anonymous.request(PAGE, { after });
      expect(forged.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
  });

  it("lists others' listings only when ACTIVE, and the owner's drafts to the owner", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const active = await createListing(ann, { title: "Active one" });
    const draft = await createListing(ann, { title: "Draft one" }, { draft: true });
    const ids = (r: Page) => r.listings.edges.map((e) => e.node.id);

    expect(ids(await bob.client.data<Page>(PAGE, { filter: { ownerId: ann.id } }))).toEqual([active.id]);
    expect(ids(await bob.client.data<Page>(PAGE, { filter: { ownerId: ann.id, status: "DRAFT" } }))).toEqual([]);
    expect(ids(await ann.client.data<Page>(PAGE, { filter: { ownerId: ann.id } }))).toEqual([draft.id, active.id]);
    expect(ids(await ann.client.data<Page>(PAGE, { filter: { ownerId: ann.id, status: "DRAFT" } }))).toEqual([draft.id]);
    expect(ids(await ann.client.data<Page>(PAGE, { filter: { status: "DRAFT" } }))).toEqual([draft.id]);
  });

  it("filters by category, condition and credits", async () => {
    const ann = await registerUser();
    const books = await category("books");
    const cheapBook = await createListing(ann, { categoryId: books.id, condition: "NEW", creditPrice: 5, attributes: [] });
    await createListing(ann, { categoryId: books.id, condition: "POOR", creditPrice: 50, attributes: [] });
    await createListing(ann, { creditPrice: null });
    const filter = { ownerId: ann.id, categoryIds: [books.id], conditions: ["NEW", "LIKE_NEW"], maxCredits: 10 };
    const res = await anonymous.data<Page>(PAGE, { filter });
    expect(res.listings.edges.map((e) => e.node.id)).toEqual([cheapBook.id]);
    expect(res.listings.totalCount).toBe(1);
    const none = await anonymous.data<Page>(PAGE, { filter: { ownerId: ann.id, categoryIds: ["not-an-id"] } });
    expect(none.listings.totalCount).toBe(0);
    const any = await anonymous.data<Page>(PAGE, { filter: { ownerId: ann.id, categoryIds: [], conditions: [] } });
    expect(any.listings.totalCount).toBe(3);
  });
});

describe("User.listings", () => {
  it("pages a user's listings, showing others only the ACTIVE ones", async () => {
    const { ann } = await seed(3);
    const draft = await createListing(ann, { title: "Secret draft" }, { draft: true });
    const mine = await ann.client.data<UserListings>(USER_LISTINGS, { id: ann.id, first: 2 });
    expect(mine.user.listings.totalCount).toBe(4);
    expect(mine.user.listings.edges.map((e) => e.node.id)[0]).toBe(draft.id);
    const next = await ann.client.data<UserListings>(USER_LISTINGS, { id: ann.id, first: 2, after: mine.user.listings.pageInfo.endCursor });
    expect(next.user.listings.edges.map((e) => e.node.title)).toEqual(["Item 1", "Item 0"]);
    expect(next.user.listings.pageInfo.hasNextPage).toBe(false);

    const theirs = await anonymous.data<UserListings>(USER_LISTINGS, { id: ann.id });
    expect(theirs.user.listings.totalCount).toBe(3);
    const drafts = await anonymous.data<UserListings>(USER_LISTINGS, { id: ann.id, status: "DRAFT" });
    expect(drafts.user.listings).toMatchObject({ totalCount: 0, edges: [] });
    const ownDrafts = await ann.client.data<UserListings>(USER_LISTINGS, { id: ann.id, status: "DRAFT" });
    expect(ownDrafts.user.listings.edges.map((e) => e.node.id)).toEqual([draft.id]);
  });

  it("resolves several users' listings and their owners in one request", async () => {
    const users = await Promise.all([1, 2, 3].map(() => registerUser({ displayName: "Owner" })));
    for (const [i, user] of users.entries()) {
      for (let j = 0; j <= i; j++) await createListing(user, { title: `U${i} item ${j}` });
    }
    const fields = `listings(first: 1) { totalCount edges { node { title owner { id displayName } } } }`;
    const query = `query ($a: ID!, $b: ID!, $c: ID!) {
      a: user(id: $a) { ${fields} } b: user(id: $b) { ${fields} } c: user(id: $c) { ${fields} } }`;
    type Owned = { listings: { totalCount: number; edges: { node: { title: string; owner: { id: string; displayName: string } } }[] } };
    const res = await anonymous.data<Record<"a" | "b" | "c", Owned>>(query, { a: users[0]!.id, b: users[1]!.id, c: users[2]!.id });
    (["a", "b", "c"] as const).forEach((alias, i) => {
      expect(res[alias].listings.totalCount).toBe(i + 1);
      expect(res[alias].listings.edges[0]!.node).toEqual({
        title: `U${i} item ${i}`,
        owner: { id: users[i]!.id, displayName: "Owner" },
      });
    });
  });
});
