// Listings that trades can rely on, through the gateway: a listing an accepted trade holds cannot
// be archived or edited; createListing is idempotent with a key; other people see an approximate
// location (search still filters on the exact one); lists and texts are capped.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import {
  ARCHIVE,
  asService,
  CREATE,
  createListing,
  LISTING,
  listingInput,
  newTradeId,
  UPDATE,
  type Created,
  type ListingById,
  type ListingPayload,
  type Updated,
} from "./helpers.ts";

const anonymous = new GatewayClient();
const RESERVE = `mutation ($t: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $t, listingIds: $ids) { ok unavailableListingIds } }`;
const HAND_OVER = `mutation ($t: ID!, $ids: [ID!]!) { handOverListingsForTrade(tradeId: $t, listingIds: $ids) { ok completed unavailableListingIds } }`;
const CREATE_KEYED = `mutation ($input: CreateListingInput!, $key: String) {
  createListing(input: $input, idempotencyKey: $key) { listing { id title status } errors { code message field } } }`;
const MINE = `query ($o: ID) { listings(filter: { ownerId: $o }) { totalCount edges { node { id } } } }`;
const WHERE = `query ($id: ID!) { listing(id: $id) { location { lat lon } locationAccuracyMeters } }`;
type Reserved = { reserveListingsForTrade: { ok: boolean; unavailableListingIds: string[] } };
type HandedOver = { handOverListingsForTrade: { ok: boolean; completed: number; unavailableListingIds: string[] } };
type CreatedKeyed = { createListing: { listing: { id: string; title: string; status: string } | null; errors: ListingPayload["errors"] } };
type Mine = { listings: { totalCount: number; edges: { node: { id: string } }[] } };
type Point = { lat: number; lon: number };
/** What WHERE answers for a listing that has a location. */
type Where = { listing: { location: Point; locationAccuracyMeters: number | null } };

/** Great-circle distance in metres. */
function metres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

describe("a listing an accepted trade holds", () => {
  it("cannot be archived or edited, and stays RESERVED for the trade", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const trade = newTradeId();
    expect((await asService<Reserved>(RESERVE, { t: trade, ids: [listing.id] })).data?.reserveListingsForTrade.ok).toBe(true);

    const { archiveListing } = await ann.client.data(ARCHIVE, { id: listing.id });
    expect(archiveListing).toEqual({
      listing: null,
      errors: [{ code: "LISTING_LOCKED", field: "id", message: expect.stringMatching(/reserved for an accepted trade/) }],
    });
    const { updateListing } = await ann.client.data<Updated>(UPDATE, { id: listing.id, input: { title: "Something else" } });
    expect(updateListing.errors).toEqual([{ code: "LISTING_LOCKED", field: "id", message: expect.stringMatching(/reserved/) }]);
    expect((await anonymous.data<ListingById>(LISTING, { id: listing.id })).listing).toMatchObject({ status: "RESERVED", title: listing.title });

    // So the trade can still hand it over.
    const { data } = await asService<HandedOver>(HAND_OVER, { t: trade, ids: [listing.id] });
    expect(data?.handOverListingsForTrade).toEqual({ ok: true, completed: 1, unavailableListingIds: [] });
    expect((await anonymous.data<ListingById>(LISTING, { id: listing.id })).listing?.status).toBe("TRADED");
  });

  it("is handed over all or nothing: one listing not reserved for the trade changes none", async () => {
    const ann = await registerUser();
    const [held, free] = [await createListing(ann), await createListing(ann)];
    const trade = newTradeId();
    await asService<Reserved>(RESERVE, { t: trade, ids: [held.id] });
    const { data } = await asService<HandedOver>(HAND_OVER, { t: trade, ids: [held.id, free.id] });
    expect(data?.handOverListingsForTrade).toEqual({ ok: false, completed: 0, unavailableListingIds: [free.id] });
    expect((await anonymous.data<ListingById>(LISTING, { id: held.id })).listing?.status).toBe("RESERVED");
    expect((await anonymous.data<ListingById>(LISTING, { id: free.id })).listing?.status).toBe("ACTIVE");
    // A replay after a hand-over moves nothing more.
    await asService<HandedOver>(HAND_OVER, { t: trade, ids: [held.id] });
    expect((await asService<HandedOver>(HAND_OVER, { t: trade, ids: [held.id] })).data?.handOverListingsForTrade).toEqual({
      ok: true,
      completed: 0,
      unavailableListingIds: [],
    });
  });
});

describe("createListing with an idempotency key", () => {
  it("answers a replay with the same listing and creates nothing more", async () => {
    const ann = await registerUser();
    const input = await listingInput({ title: "Retried lamp" });
    const key = randomUUID();
    const first = (await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input, key })).createListing;
    expect(first.errors).toEqual([]);
    const again = (await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input, key })).createListing;
    expect(again).toEqual(first);
    expect((await ann.client.data<Mine>(MINE, { o: ann.id })).listings.totalCount).toBe(1);

    // The same key with other input is refused, and creates nothing.
    const other = (await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input: { ...input, title: "Another lamp" }, key })).createListing;
    expect(other).toEqual({
      listing: null,
      errors: [{ code: "IDEMPOTENCY_CONFLICT", field: "idempotencyKey", message: expect.stringMatching(/different listing/) }],
    });
    expect((await ann.client.data<Mine>(MINE, { o: ann.id })).listings.totalCount).toBe(1);

    // Keys are per member: someone else's same key is their own listing.
    const bob = await registerUser();
    const bobs = (await bob.client.data<CreatedKeyed>(CREATE_KEYED, { input, key })).createListing;
    expect(bobs.errors).toEqual([]);
    expect(bobs.listing!.id).not.toBe(first.listing!.id);
    // Without a key, every request creates one, as before.
    await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input, key: null });
    await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input });
    expect((await ann.client.data<Mine>(MINE, { o: ann.id })).listings.totalCount).toBe(3);
  });

  it("creates exactly one listing for five identical requests sent at once", async () => {
    const ann = await registerUser();
    const input = await listingInput({ title: "Double-clicked chair" });
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => ann.client.data<CreatedKeyed>(CREATE_KEYED, { input, key })));
    const ids = new Set(answers.map((a) => a.createListing.listing?.id));
    expect(answers.map((a) => a.createListing.errors)).toEqual(Array(5).fill([]));
    expect(ids.size).toBe(1);
    const { listings } = await ann.client.data<Mine>(MINE, { o: ann.id });
    expect(listings.totalCount).toBe(1);
    expect(listings.edges[0]!.node.id).toBe([...ids][0]);
  });

  it("refuses a key that is empty, too long or has control characters", async () => {
    const ann = await registerUser();
    const input = await listingInput();
    for (const key of ["", "   ", "k".repeat(201), "key\u0000", "key\u202e"]) {
      const { createListing } = await ann.client.data<CreatedKeyed>(CREATE_KEYED, { input, key });
      expect(createListing).toEqual({ listing: null, errors: [expect.objectContaining({ code: "INVALID_INPUT", field: "idempotencyKey" })] });
    }
    expect((await ann.client.data<Mine>(MINE, { o: ann.id })).listings.totalCount).toBe(0);
  });
});

describe("a listing's location", () => {
  const exact = { lat: 52.370216, lon: 4.895168 };

  it("is exact for its owner and approximate, the same on every read, for everyone else", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const listing = await createListing(ann, { location: exact });
    expect((await ann.client.data<Where>(WHERE, { id: listing.id })).listing).toEqual({ location: exact, locationAccuracyMeters: null });

    const seen = await Promise.all([
      bob.client.data<Where>(WHERE, { id: listing.id }),
      bob.client.data<Where>(WHERE, { id: listing.id }),
      anonymous.data<Where>(WHERE, { id: listing.id }),
    ]);
    const shown = seen[0]!.listing;
    expect(shown.location).not.toEqual(exact);
    expect(shown.locationAccuracyMeters).toBe(354);
    expect(metres(shown.location, exact)).toBeLessThanOrEqual(shown.locationAccuracyMeters!);
    // Deterministic: nothing to average away, whoever asks and however often.
    for (const s of seen) expect(s.listing).toEqual(shown);
    // Lists show the same point.
    const { listings } = await bob.client.data<{ listings: { edges: { node: { location: Point } }[] } }>(
      `query ($o: ID) { listings(filter: { ownerId: $o }) { edges { node { location { lat lon } } } } }`,
      {
        o: ann.id,
      },
    );
    expect(listings.edges[0]!.node.location).toEqual(shown.location);

    // Moving a few metres within the same spot shows the same approximate point.
    const nudged = { lat: exact.lat + 0.00001, lon: exact.lon };
    const { updateListing } = await ann.client.data<Updated>(UPDATE, { id: listing.id, input: { location: nudged } });
    expect(updateListing.errors).toEqual([]);
    const after = (await bob.client.data<Where>(WHERE, { id: listing.id })).listing;
    expect(metres(after.location, nudged)).toBeLessThanOrEqual(354);
  });

  it("differs between listings at the same place (each its own grid)", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const [a, b] = [await createListing(ann, { location: exact }), await createListing(ann, { location: exact })];
    const [pa, pb] = await Promise.all([a, b].map(async (l) => (await bob.client.data<Where>(WHERE, { id: l.id })).listing.location));
    expect(pa).not.toEqual(pb);
  });

  it("is found by distance within a kilometre, but a radius too small to be honest cannot pin it down", async () => {
    const ann = await registerUser();
    const word = `loc${randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const listing = await createListing(ann, { title: `Bicycle ${word}`, location: exact });
    const shown = (await anonymous.data<Where>(WHERE, { id: listing.id })).listing.location;
    const SEARCH = `query ($q: String, $f: SearchFilter) { search(query: $q, filter: $f) { edges { node { id location { lat lon } } distanceKm } } }`;
    type Edge = { node: { id: string; location: { lat: number; lon: number } }; distanceKm: number | null };
    type Found = { search: { edges: Edge[] } };
    let edges: Edge[] = [];
    for (let i = 0; i < 150 && edges.length === 0; i++) {
      ({ edges } = (await anonymous.data<Found>(SEARCH, { q: word, f: { near: { ...exact, radiusKm: 1 } } })).search);
      if (edges.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(edges.map((e) => e.node.id)).toEqual([listing.id]);
    // The search result is a Listing like any other: the approximate point for a stranger,
    // and its distance is the distance to that point, not to the exact one.
    expect(edges[0]!.node.location).toEqual(shown);
    expect(Math.abs(edges[0]!.distanceKm! * 1000 - metres(shown, exact))).toBeLessThan(5);
    // 40 m around the exact point (the shown point is farther): search knows only the shown one.
    expect(metres(shown, exact)).toBeGreaterThan(40);
    const pinned = (await anonymous.data<Found>(SEARCH, { q: word, f: { near: { ...exact, radiusKm: 0.04 } } })).search.edges;
    expect(pinned).toEqual([]);
    // ...while 40 m around the shown point finds it (positive control).
    const around = (await anonymous.data<Found>(SEARCH, { q: word, f: { near: { ...shown, radiusKm: 0.04 } } })).search.edges;
    expect(around.map((e) => e.node.id)).toEqual([listing.id]);
  });
});

describe("input limits", () => {
  it("caps the lists of a listings filter with a clear error naming the field", async () => {
    const LIST = `query ($f: ListingFilter) { listings(filter: $f) { totalCount } }`;
    const ids = Array.from({ length: 101 }, () => randomUUID());
    const res = await anonymous.request(LIST, { f: { categoryIds: ids } });
    expect(res.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/at most 100/),
      extensions: { code: "BAD_USER_INPUT", field: "filter.categoryIds" },
    });
    const conditions = await anonymous.request(LIST, { f: { conditions: Array(101).fill("NEW") } });
    expect(conditions.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.conditions" });
    // At the cap it answers.
    expect((await anonymous.request(LIST, { f: { categoryIds: ids.slice(0, 100) } })).errors).toBeUndefined();
  });

  it("caps attributes and refuses control characters in every text, as data naming the field", async () => {
    const ann = await registerUser();
    const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    const cases: [Record<string, unknown>, string][] = [
      [{ attributes: many }, "input.attributes"],
      [{ title: "Lamp\u200b" }, "input.title"],
      [{ description: "Fine\u0000" }, "input.description"],
      [{ description: "x".repeat(5001) }, "input.description"],
      [{ attributes: [{ key: "material", value: "oak\u0007" }] }, "input.attributes.0.value"],
    ];
    for (const [override, field] of cases) {
      const { createListing } = await ann.client.data<Created>(CREATE, { input: await listingInput(override) });
      expect(createListing).toEqual({ listing: null, errors: [expect.objectContaining({ code: "INVALID_INPUT", field })] });
    }
    // Line breaks and tabs are kept in a description.
    const { createListing } = await ann.client.data<Created>(CREATE, { input: await listingInput({ description: "Line one\n\tLine two" }) });
    expect(createListing.errors).toEqual([]);
    expect(createListing.listing!.description).toBe("Line one\n\tLine two");
  });
});
