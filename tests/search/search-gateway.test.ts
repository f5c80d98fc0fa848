// Search through the gateway, as a front-end uses it. Listings reach the index the way the
// listings subgraph sends them: `search:index-listing` jobs on the shared queue.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { TASKS, type ListingDocument } from "@localex/common";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { metricsUrlOf, sample, scrape } from "../harness/metrics.ts";
import { createListing } from "../listings/helpers.ts";
import { listingDocument, uniqueWord } from "./documents.ts";
import { allowedAnswers, HOSTILE_QUERIES } from "./hostile-input.ts";

const client = new GatewayClient();
const db = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
afterAll(() => db.end({ timeout: 5 }));

const SEARCH = /* GraphQL */ `
  query Search($query: String, $filter: SearchFilter, $sort: SearchSort, $first: Int, $after: String) {
    search(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      edges { cursor score highlights distanceKm node { id } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
      facets { categories { value count } conditions { value count } }
    }
  }
`;

interface SearchData {
  search: {
    totalCount: number;
    edges: { cursor: string; score: number | null; highlights: string[]; distanceKm: number | null; node: { id: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    facets: { categories: { value: string; count: number }[]; conditions: { value: string; count: number }[] };
  };
}

async function enqueue(payload: unknown, queueName?: string): Promise<void> {
  await db`select graphile_worker.add_job(${TASKS.indexListing}::text, ${JSON.stringify(payload)}::text::json, queue_name => ${queueName ?? null}::text)`;
}

const index = (listing: ListingDocument, queueName?: string) => enqueue({ listing }, queueName);

async function searchIds(variables: Record<string, unknown>): Promise<string[]> {
  const { search } = await client.data<SearchData>(SEARCH, variables);
  return search.edges.map((e) => e.node.id);
}

/** Polls until the search returns exactly the expected ids (the index is eventually consistent). */
async function until(variables: Record<string, unknown>, expected: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await searchIds(variables);
    if (JSON.stringify([...last].sort()) === JSON.stringify([...expected].sort())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(last.sort()).toEqual([...expected].sort());
}

describe("search through the gateway", () => {
  it("finds a listing once its index job has run, with score, highlights, facets and paging", async () => {
    const word = uniqueWord();
    const category = randomUUID();
    const docs = Array.from({ length: 3 }, (_, i) =>
      listingDocument({ title: `Vintage ${word} number ${i}`, categoryId: category, condition: i === 0 ? "NEW" : "GOOD" }),
    );
    await Promise.all(docs.map((d) => index(d)));
    await until(
      { query: word },
      docs.map((d) => d.id),
    );

    const first = await client.data<SearchData>(SEARCH, { query: word, first: 2 });
    expect(first.search.totalCount).toBe(3);
    expect(first.search.edges).toHaveLength(2);
    expect(first.search.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.search.edges[0]?.score).toBeGreaterThan(0);
    expect(first.search.edges[0]?.highlights.join(" ")).toContain(`<mark>${word}</mark>`);
    expect(first.search.facets.categories).toEqual([{ value: category, count: 3 }]);
    expect(first.search.facets.conditions).toEqual([
      { value: "GOOD", count: 2 },
      { value: "NEW", count: 1 },
    ]);
    const second = await client.data<SearchData>(SEARCH, { query: word, first: 2, after: first.search.pageInfo.endCursor });
    expect(second.search.edges).toHaveLength(1);
    expect(second.search.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const all = [...first.search.edges, ...second.search.edges].map((e) => e.node.id);
    expect(new Set(all)).toEqual(new Set(docs.map((d) => d.id)));
  });

  it("names the category a facet counts (resolved by the listings subgraph), and says the counts are exact", async () => {
    const { categories } = await client.data<{ categories: { id: string; slug: string; name: string }[] }>(`{ categories { id slug name } }`);
    const furniture = categories[0]!;
    const word = uniqueWord();
    const docs = [0, 1].map((i) => listingDocument({ title: `${word} stool ${i}`, categoryId: furniture.id }));
    await Promise.all(docs.map((d) => index(d)));
    await until(
      { query: word },
      docs.map((d) => d.id),
    );
    const { search } = await client.data<{
      search: {
        totalCount: number;
        totalCountIsExact: boolean;
        facets: { categories: { value: string; count: number; category: unknown }[]; conditions: { category: unknown }[] };
      };
    }>(
      `query($q: String) { search(query: $q) { totalCount totalCountIsExact
        facets { categories { value count category { id slug name } } conditions { category { id } } } } }`,
      { q: word },
    );
    expect(search.totalCount).toBe(2);
    expect(search.totalCountIsExact).toBe(true);
    expect(search.facets.categories).toEqual([{ value: furniture.id, count: 2, category: furniture }]);
    expect(search.facets.conditions).toEqual([{ category: null }]);
  });

  it("ignores an older snapshot that arrives after a newer one, and hides listings that are not ACTIVE", async () => {
    const word = uniqueWord();
    const doc = listingDocument({ title: `${word} lamp`, version: 1 });
    const queue = `test-${randomUUID()}`; // one queue runs its jobs in order
    await index(doc, queue);
    await until({ query: word }, [doc.id]);
    await index({ ...doc, status: "RESERVED", version: 3 }, queue);
    await until({ query: word }, []);
    const marker = listingDocument({ title: `${word} marker` });
    await index({ ...doc, status: "ACTIVE", version: 2 }, queue);
    await index(marker, queue);
    await until({ query: word }, [marker.id]);
  });

  it("leaves out a hit whose listing is no longer findable while the index catches up, and answers the rest", async () => {
    // Titles of made-up words only, so no other test's listing is similar to these.
    const [word, keptTitle, goneTitle] = [uniqueWord(), uniqueWord(), uniqueWord()];
    const owner = await registerUser();
    const [kept, gone] = await Promise.all([createListing(owner, { title: `${word} ${keptTitle}` }), createListing(owner, { title: `${word} ${goneTitle}` })]);
    await until({ query: word }, [kept.id, gone.id]);
    const QUERY = `query($q: String) { search(query: $q) { edges { node { id title status similar { id title } } } } }`;
    type Page = { search: { edges: { node: { id: string; title: string; status: string; similar: { id: string }[] } }[] } };
    // The positive control: both hits resolve, and each is the other's similar listing (once the
    // second's index job has stored its neighbours, just after its document).
    const before = await eventually(
      "each hit the other's similar listing",
      () => client.data<Page>(QUERY, { q: word }),
      (page) => page.search.edges.length === 2 && page.search.edges.every((e) => e.node.similar.length === 1),
    );
    expect(before.search.edges.map((e) => [e.node.id, e.node.similar.map((s) => s.id)]).sort()).toEqual(
      [
        [kept.id, [gone.id]],
        [gone.id, [kept.id]],
      ].sort(),
    );
    // What a recall match does to an ACTIVE listing, before its index job has run (the job is
    // not enqueued here, so the index keeps the listing as ACTIVE for as long as the test needs).
    await db`update listings.listings set status = 'DRAFT' where id = ${gone.id}`;
    const response = await client.request<Page>(QUERY, { q: word });
    expect(response.errors).toBeUndefined();
    expect(response.data?.search.edges.map((e) => e.node)).toEqual([{ id: kept.id, title: `${word} ${keptTitle}`, status: "ACTIVE", similar: [] }]);
  });

  it("drops a malformed job without stopping the worker", async () => {
    const word = uniqueWord();
    await enqueue({ listing: { id: "not-a-uuid", title: 42 } });
    await enqueue({ nothing: true });
    const doc = listingDocument({ title: word });
    await index(doc);
    await until({ query: word }, [doc.id]);
  });

  it("filters by distance and sorts by it, reporting kilometres", async () => {
    const category = randomUUID();
    const docs = [0.01, 0.05, 2].map((d) => listingDocument({ categoryId: category, location: { lat: 59.9 + d, lon: 10.75 } }));
    await Promise.all(docs.map((d) => index(d)));
    const filter = { categoryIds: [category], near: { lat: 59.9, lon: 10.75, radiusKm: 10 } };
    await until({ filter }, [docs[0]!.id, docs[1]!.id]);
    const { search } = await client.data<SearchData>(SEARCH, { filter, sort: "DISTANCE" });
    expect(search.edges.map((e) => e.node.id)).toEqual([docs[0]!.id, docs[1]!.id]);
    expect(search.edges[0]?.distanceKm).toBeCloseTo(1.11, 1);
  });

  it("suggests titles and lists similar listings, batched for every node", async () => {
    const word = uniqueWord("qx");
    const docs = ["red", "blue", "green"].map((c) => listingDocument({ title: `${word} ${c} kettle` }));
    await Promise.all(docs.map((d) => index(d)));
    await until(
      { query: word },
      docs.map((d) => d.id),
    );
    const { suggest } = await client.data<{ suggest: string[] }>(`query($p: String!) { suggest(prefix: $p, limit: 5) }`, {
      p: word.slice(0, 6),
    });
    expect(suggest.sort()).toEqual(docs.map((d) => d.title).sort());
    // A document is searchable once written; its neighbours are stored just after (the same job).
    const { search } = await eventually(
      "each listing's two neighbours",
      () =>
        client.data<{ search: { edges: { node: { id: string; similar: { id: string }[] } }[] } }>(
          `query($q: String) { search(query: $q) { edges { node { id similar(first: 5) { id } } } } }`,
          { q: word },
        ),
      (page) => page.search.edges.every((e) => e.node.similar.length === docs.length - 1),
    );
    for (const { node } of search.edges) {
      expect(new Set(node.similar.map((s) => s.id))).toEqual(new Set(docs.map((d) => d.id).filter((id) => id !== node.id)));
    }
  });

  it("asks listings once per page which hits and similar listings are findable, for every similar(first:) the page asks", async () => {
    const word = uniqueWord("qz");
    const owner = await registerUser();
    const made = await Promise.all([uniqueWord(), uniqueWord(), uniqueWord(), uniqueWord()].map((w) => createListing(owner, { title: `${word} ${w}` })));
    const ids = made.map((l) => l.id);
    await until({ query: word }, ids);
    const QUERY = /* GraphQL */ `
      query ($q: String) { search(query: $q) { edges { node { id ...Two three: similar(first: 3) { id } } } } }
      fragment Two on Listing { two: similar(first: 2) { id } }`;
    type Page = { search: { edges: { node: { id: string; two: { id: string }[]; three: { id: string }[] } }[] } };
    // The lists as `similar` finds them on its own (no search page around it) are the reference,
    // once each has its three (the index is eventually consistent: CI once read one with two).
    const own = await eventually(
      "every listing's three similar listings",
      () =>
        client.data<{ listings: { edges: { node: { id: string; similar: { id: string }[] } }[] } }>(
          `query ($owner: ID!) { listings(filter: { ownerId: $owner }, first: 10) { edges { node { id similar(first: 3) { id } } } } }`,
          { owner: owner.id },
        ),
      (page) => page.listings.edges.length === ids.length && page.listings.edges.every((e) => e.node.similar.length === 3),
    );
    const asked = () =>
      scrape(metricsUrlOf(inject("subgraphUrls").listings!)).then((m) =>
        sample(m, "localex_graphql_operation_duration_seconds_count", { service: "listings", operation: "UnfindableListingIds", type: "query" }),
      );
    // Other files search at the same time: some try sees this page's questions alone.
    let questions = Number.POSITIVE_INFINITY;
    let page: Page | null = null;
    for (let i = 0; i < 10 && questions !== 1; i++) {
      const before = await asked();
      page = await client.data<Page>(QUERY, { q: word });
      questions = Math.min(questions, (await asked()) - before);
    }
    expect(questions).toBe(1); // the positive control is in it: at least one question was asked
    for (const { node } of page!.search.edges) {
      expect(node.three.length).toBe(3);
      expect(node.two.map((s) => s.id)).toEqual(node.three.slice(0, 2).map((s) => s.id));
      expect(new Set(node.three.map((s) => s.id))).toEqual(new Set(ids.filter((id) => id !== node.id)));
      expect(node.three).toEqual(own.listings.edges.find((e) => e.node.id === node.id)!.node.similar);
    }
  });
});

describe("hostile input", () => {
  const category = randomUUID();
  const bike = listingDocument({ title: "Red bike", categoryId: category });

  it("finds the bike in its category before the hostile queries run (the positive control)", async () => {
    await index(bike);
    await until({ query: "bike", filter: { categoryIds: [category] } }, [bike.id]);
  });

  it.each(HOSTILE_QUERIES.map((h) => [h.name, h] as const))("treats %s as plain words, not a fault", async (_name, hostile) => {
    const res = await client.request<SearchData>(SEARCH, { query: hostile.query, filter: { categoryIds: [category] }, first: 5 });
    expect(res.errors).toBeUndefined();
    const found = res.data!.search.edges.map((e) => e.node.id);
    expect(found).toBeOneOf(allowedAnswers(hostile, bike.id));
    expect(res.data!.search.totalCount).toBe(found.length);
    const suggest = await client.request<{ suggest: string[] }>(`query($p: String!) { suggest(prefix: $p) }`, { p: hostile.query.slice(0, 100) });
    expect(suggest.errors).toBeUndefined();
    expect(Array.isArray(suggest.data?.suggest)).toBe(true);
  });

  it.each([
    ["a 5000-character query", { query: "x".repeat(5000) }, "query", /at most 200/],
    ["DISTANCE without near", { sort: "DISTANCE" }, "sort", /needs `filter.near`/],
    ["a latitude off the globe", { filter: { near: { lat: 91, lon: 0, radiusKm: 5 } } }, "filter.near.lat", /-90 to 90/],
    ["a zero radius", { filter: { near: { lat: 0, lon: 0, radiusKm: 0 } } }, "filter.near.radiusKm", /more than 0/],
    ["a huge radius", { filter: { near: { lat: 0, lon: 0, radiusKm: 1e9 } } }, "filter.near.radiusKm", /at most 1000/],
    ["negative maxCredits", { filter: { maxCredits: -1 } }, "filter.maxCredits", /zero or more/],
    ["negative first", { first: -1 }, "first", /zero or more/],
    ["a forged cursor", { after: "bm90LWEtY3Vyc29y" }, "after", /not a cursor/],
    ["a cursor from another sort", { sort: "NEWEST", after: Buffer.from('["CREDITS_ASC",1,"x"]').toString("base64url") }, "after", /CREDITS_ASC/],
    ["a cursor with a bad id", { sort: "NEWEST", after: Buffer.from('["NEWEST",1,"x"]').toString("base64url") }, "after", /not a cursor/],
  ])("refuses %s, naming the argument", async (_case, variables, field, message) => {
    const res = await client.request(SEARCH, variables);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.errors?.[0]?.message).toMatch(message);
  });

  it("refuses an over-long suggestion prefix and a negative limit, naming the argument", async () => {
    const long = await client.request(`query($p: String!) { suggest(prefix: $p) }`, { p: "y".repeat(5000) });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "prefix" });
    const negative = await client.request(`{ suggest(prefix: "a", limit: -1) }`);
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "limit" });
  });
});
