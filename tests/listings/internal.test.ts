import { beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger, InternalClient, signCallerToken, SubgraphDirectory, type ListingDocument as IndexedListing, type SubgraphName } from "@localex/common";
import { listingDocumentPages } from "../../subgraphs/search/src/indexing/reindex.ts";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";
import {
  ARCHIVE,
  asService,
  captureIndexJobs,
  createListing,
  indexJobs,
  LISTING,
  newTradeId,
  subgraphRequest,
  UPDATE,
  type ListingById,
  type Updated,
} from "./helpers.ts";

const INFO = `query ($ids: [ID!]!) { tradeListingInfo(ids: $ids) { id ownerId status } }`;
const RESERVE = `mutation ($t: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $t, listingIds: $ids) { ok unavailableListingIds } }`;
const RELEASE = `mutation ($t: ID!) { releaseListingsForTrade(tradeId: $t) }`;
const COMPLETE = `mutation ($t: ID!) { completeListingsForTrade(tradeId: $t) }`;
const DOCUMENTS = `query ($after: String, $first: Int) { listingDocuments(after: $after, first: $first) { documents nextCursor } }`;
type Reserved = { reserveListingsForTrade: { ok: boolean; unavailableListingIds: string[] } };
type Released = { releaseListingsForTrade: number };
type Completed = { completeListingsForTrade: number };
/** A listing as search indexes it (a JSON document; only what these tests read is named). */
type ListingDocument = { id: string; location: { lat: number; lon: number } } & Record<string, unknown>;

async function statusOf(id: string) {
  const { data } = await asService<{ tradeListingInfo: { status: string }[] }>(INFO, { ids: [id] });
  return data?.tradeListingInfo[0]?.status;
}

describe("internal fields for trades", () => {
  it("tells trades each listing's owner and status, leaving unknown ids out", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const draft = await createListing(ann, {}, { draft: true });
    const { data } = await asService(INFO, { ids: [listing.id, draft.id, "00000000-0000-4000-8000-000000000000", "junk"] });
    expect(data?.tradeListingInfo).toEqual(
      expect.arrayContaining([
        { id: listing.id, ownerId: ann.id, status: "ACTIVE" },
        { id: draft.id, ownerId: ann.id, status: "DRAFT" },
      ]),
    );
    expect(data?.tradeListingInfo).toHaveLength(2);
  });

  it("reserves all of a trade's listings or none, idempotently", async () => {
    const ann = await registerUser();
    const [a, b] = [await createListing(ann), await createListing(ann)];
    const draft = await createListing(ann, {}, { draft: true });
    const trade = newTradeId();

    const partial = await asService<Reserved>(RESERVE, { t: trade, ids: [a!.id, draft.id, "00000000-0000-4000-8000-000000000000"] });
    expect(partial.data?.reserveListingsForTrade).toEqual({
      ok: false,
      unavailableListingIds: [draft.id, "00000000-0000-4000-8000-000000000000"],
    });
    expect(await statusOf(a!.id)).toBe("ACTIVE");

    const ok = await asService<Reserved>(RESERVE, { t: trade, ids: [a!.id, b!.id] });
    expect(ok.data?.reserveListingsForTrade).toEqual({ ok: true, unavailableListingIds: [] });
    const replay = await asService<Reserved>(RESERVE, { t: trade, ids: [b!.id, a!.id, a!.id] });
    expect(replay.data?.reserveListingsForTrade).toEqual({ ok: true, unavailableListingIds: [] });
    expect((await new GatewayClient().data<ListingById>(LISTING, { id: a!.id })).listing?.status).toBe("RESERVED");

    const other = await asService<Reserved>(RESERVE, { t: newTradeId(), ids: [a!.id] });
    expect(other.data?.reserveListingsForTrade).toEqual({ ok: false, unavailableListingIds: [a!.id] });
  });

  it("gives a contested listing to exactly one of two racing trades", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const results = await Promise.all([newTradeId(), newTradeId(), newTradeId()].map((t) => asService<Reserved>(RESERVE, { t, ids: [listing.id] })));
    expect(results.filter((r) => r.data?.reserveListingsForTrade.ok)).toHaveLength(1);
  });

  it("releases a trade's listings back to ACTIVE once", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const trade = newTradeId();
    await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] });
    expect((await asService<Released>(RELEASE, { t: newTradeId() })).data?.releaseListingsForTrade).toBe(0);
    expect((await asService<Released>(RELEASE, { t: trade })).data?.releaseListingsForTrade).toBe(1);
    expect((await asService<Released>(RELEASE, { t: trade })).data?.releaseListingsForTrade).toBe(0);
    expect(await statusOf(listing.id)).toBe("ACTIVE");
  });

  it("completes a trade's listings to TRADED once, and a traded listing stays traded", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const trade = newTradeId();
    await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] });
    expect((await asService<Completed>(COMPLETE, { t: trade })).data?.completeListingsForTrade).toBe(1);
    expect((await asService<Completed>(COMPLETE, { t: trade })).data?.completeListingsForTrade).toBe(0);
    expect((await asService<Released>(RELEASE, { t: trade })).data?.releaseListingsForTrade).toBe(0);
    expect((await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] })).data?.reserveListingsForTrade.ok).toBe(false);
    expect(await statusOf(listing.id)).toBe("TRADED");
    const edit = await ann.client.data<Updated>(UPDATE, { id: listing.id, input: { title: "Again" } });
    expect(edit.updateListing.errors[0]?.code).toBe("LISTING_LOCKED");
  });

  it("refuses a trade id that is not one, and an absurd number of listings", async () => {
    const res = await asService<Released>(RELEASE, { t: "not-a-trade" });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "tradeId" });
    const ids = Array.from({ length: 101 }, () => newTradeId());
    const many = await asService<Reserved>(RESERVE, { t: newTradeId(), ids });
    expect(many.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "listingIds" });
  });
});

describe("listingDocuments, for search's full reindex", () => {
  it("walks every listing in id order, any status, as ListingDocuments", async () => {
    const ann = await registerUser();
    const draft = await createListing(ann, { title: "Reindexed draft" }, { draft: true });
    const seen = new Map<string, ListingDocument>();
    let after: string | null = null;
    let previous = "";
    do {
      type Page = { listingDocuments: { documents: string[]; nextCursor: string | null } };
      const res: { data?: Page | null } = await asService<Page>(DOCUMENTS, { after, first: 200 }, "search");
      const page = res.data!.listingDocuments;
      for (const json of page.documents) {
        const doc = JSON.parse(json) as ListingDocument;
        expect(doc.id > previous).toBe(true);
        previous = doc.id;
        seen.set(doc.id, doc);
      }
      after = page.nextCursor;
    } while (after);
    expect(seen.get(draft.id)).toMatchObject({
      id: draft.id,
      ownerId: ann.id,
      title: "Reindexed draft",
      status: "DRAFT",
      categorySlug: "furniture",
      condition: "GOOD",
      creditPrice: 40,
      version: 1,
    });
    // Search indexes the approximate location others see (52.37, 4.9 exactly): within 354 m, never the exact point.
    const { lat, lon } = seen.get(draft.id)!.location;
    const metres = Math.hypot((lat - 52.37) * 111_320, (lon - 4.9) * 111_320 * Math.cos((52.37 * Math.PI) / 180));
    expect(metres).toBeLessThanOrEqual(354);
    expect({ lat, lon }).not.toEqual({ lat: 52.37, lon: 4.9 });
  });

  it("is what search's full reindex reads through its typed listings client (listingDocumentPages)", async () => {
    const ann = await registerUser();
    const draft = await createListing(ann, { title: "Reindexed through search" }, { draft: true });
    const directory = new SubgraphDirectory();
    for (const [name, url] of Object.entries(inject("subgraphUrls"))) directory.set(name as SubgraphName, url);
    const internal = new InternalClient("search", TEST_CALLER_KEYS, directory);
    try {
      const found: IndexedListing[] = [];
      for await (const page of listingDocumentPages(internal, createLogger("silent"), 200)) found.push(...page.filter((d) => d.id === draft.id));
      expect(found).toMatchObject([{ id: draft.id, ownerId: ann.id, title: "Reindexed through search", status: "DRAFT" }]);
    } finally {
      await internal.close();
    }
  });

  it("refuses a cursor that is not an id", async () => {
    const res = await asService(DOCUMENTS, { after: "junk" }, "search");
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("who may call the internal fields", () => {
  const calls: [string, Record<string, unknown>][] = [
    [INFO, { ids: [] }],
    [RESERVE, { t: "00000000-0000-4000-8000-000000000000", ids: [] }],
    [RELEASE, { t: "00000000-0000-4000-8000-000000000000" }],
    [COMPLETE, { t: "00000000-0000-4000-8000-000000000000" }],
    [DOCUMENTS, {}],
  ];

  it("the gateway does not offer them, even to a signed-in user", async () => {
    const ann = await registerUser();
    for (const [query, variables] of calls) {
      const res = await ann.client.request(query, variables);
      expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    }
  });

  it("the subgraph refuses them without a service caller: unsigned 401, a user's FORBIDDEN", async () => {
    const ann = await registerUser();
    const asUser = await signCallerToken(TEST_CALLER_KEYS, { userId: ann.id, role: "user", sessionId: "s" }, { signer: "gateway", audience: "listings" });
    for (const [query, variables] of calls) {
      expect((await subgraphRequest(query, variables, {})).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect((await subgraphRequest(query, variables, { "x-localex-caller": asUser })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });
});

describe("search indexing jobs", () => {
  beforeAll(captureIndexJobs);

  it("enqueues a snapshot with a rising version for every change, keyed by listing", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann, { title: "Indexed chair" });
    await ann.client.data(UPDATE, { id: listing.id, input: { title: "Indexed armchair" } });
    const trade = newTradeId();
    await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] });
    await asService<Released>(RELEASE, { t: trade });
    await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] });
    await asService<Completed>(COMPLETE, { t: trade });
    await asService<Completed>(COMPLETE, { t: trade }); // a replay changes nothing, so enqueues nothing

    const jobs = await indexJobs(listing.id);
    expect(jobs.every((j) => j.task === "search:index-listing")).toBe(true);
    expect(jobs.map((j) => [j.payload.listing.status, j.payload.listing.version])).toEqual([
      ["DRAFT", 1],
      ["ACTIVE", 2],
      ["ACTIVE", 3],
      ["RESERVED", 4],
      ["ACTIVE", 5],
      ["RESERVED", 6],
      ["TRADED", 7],
    ]);
    expect(jobs[2]!.payload.listing).toMatchObject({
      id: listing.id,
      ownerId: ann.id,
      title: "Indexed armchair",
      categorySlug: "furniture",
    });
  });

  it("enqueues on archive, and nothing for a refused change", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    await ann.client.data(UPDATE, { id: listing.id, input: { title: "" } });
    await ann.client.data(ARCHIVE, { id: listing.id });
    await ann.client.data(ARCHIVE, { id: listing.id });
    const jobs = await indexJobs(listing.id);
    expect(jobs.map((j) => j.payload.listing.status)).toEqual(["DRAFT", "ACTIVE", "ARCHIVED"]);
  });
});
