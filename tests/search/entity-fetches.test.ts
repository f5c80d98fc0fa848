// A search page through the gateway: the plan fetches listings for the hits and, beside it, for
// their similar listings, then identity for both sets of owners. The gateway sends each pair as
// one request (gateway/src/entity-fetches.ts), and the page reads as if they had gone one by one.
import { describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { metricsUrlOf, scrape } from "../harness/metrics.ts";
import { createListing } from "../listings/helpers.ts";
import { uniqueWord } from "./documents.ts";

const client = new GatewayClient();

/** Every GraphQL operation `service` has run so far, whatever its name. */
async function operationsOf(service: "listings" | "identity"): Promise<number> {
  const samples = await scrape(metricsUrlOf(inject("subgraphUrls")[service]!));
  let total = 0;
  for (const [key, value] of samples) {
    if (key.startsWith("localex_graphql_operation_duration_seconds_count{") && key.includes(`service="${service}"`)) total += value;
  }
  return total;
}

const PAGE = /* GraphQL */ `
  query EntityFetchPage($q: String) {
    search(query: $q) { edges { node { id title owner { id displayName } similar(first: 3) { id title owner { id displayName } } } } }
  }
`;
type Node = { id: string; title: string; owner: { id: string; displayName: string } };
type Page = { search: { edges: { node: Node & { similar: Node[] } }[] } };

describe("a search page's entity fetches", () => {
  it("reach listings and identity once per level of the plan, and answer as fetches sent one by one would", async () => {
    const word = uniqueWord("ef");
    const [ann, bob] = await Promise.all([registerUser({ displayName: "Ann" }), registerUser({ displayName: "Bob" })]);
    const made = await Promise.all(
      [ann, ann, bob, bob].map(async (owner) => ({ owner, listing: await createListing(owner, { title: `${word} ${uniqueWord()}` }) })),
    );
    await eventually(
      "the listings found",
      () => client.data<Page>(PAGE, { q: word }),
      (page) => page.search.edges.length === made.length && page.search.edges.every((e) => e.node.similar.length === 3),
    );
    // Other files use the graph at the same time: some try sees this page's fetches alone.
    let fewest = { listings: Number.POSITIVE_INFINITY, identity: Number.POSITIVE_INFINITY };
    let page: Page | null = null;
    for (let i = 0; i < 10 && !(fewest.listings === 2 && fewest.identity === 1); i++) {
      const before = { listings: await operationsOf("listings"), identity: await operationsOf("identity") };
      page = await client.data<Page>(PAGE, { q: word });
      fewest = {
        listings: Math.min(fewest.listings, (await operationsOf("listings")) - before.listings),
        identity: Math.min(fewest.identity, (await operationsOf("identity")) - before.identity),
      };
    }
    // listings: the hits' and the similar listings' fields in one request, and which are findable
    // in one more (UnfindableListingIds); identity: both sets of owners in one. Sent one by one, 3 and 2.
    expect(fewest).toEqual({ listings: 2, identity: 1 });

    const expected = new Map(
      made.map(({ owner, listing }) => [listing.id, { id: listing.id, title: listing.title, owner: { id: owner.id, displayName: owner.displayName } }]),
    );
    for (const { node } of page!.search.edges) {
      const { similar, ...hit } = node;
      expect(hit).toEqual(expected.get(node.id));
      expect(new Set(similar.map((s) => s.id))).toEqual(new Set([...expected.keys()].filter((id) => id !== node.id)));
      for (const s of similar) expect(s).toEqual(expected.get(s.id));
    }
  });
});
