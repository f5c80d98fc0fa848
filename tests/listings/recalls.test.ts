// The recall check (docs/listings.md, "Recall check"). RECALLS_URL is read at start-up and the
// harness's graph runs without it, so this file starts a listings subgraph of its own with
// RECALLS_URL pointing at a small HTTP server here (serving fixtures/cpsc-recalls.json, the CPSC
// Recalls web service's format), on the harness's database, and a gateway routing listings to it
// and everything else to the harness's graph (search indexes what this listings enqueues).
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { TEST_RATE_LIMITS, testGraphEnvironment } from "../harness/secrets.ts";
import { category, database } from "./helpers.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/cpsc-recalls.json", import.meta.url));

const MATCH_FIELDS = `recallMatches { recallNumber title url date matchedOn status resolvedAt }`;
const FIELDS = `id title status attributes { key value } ${MATCH_FIELDS}`;
const PAYLOAD = `listing { ${FIELDS} } errors { code message field }`;
const CREATE = `mutation ($input: CreateListingInput!) { createListing(input: $input) { ${PAYLOAD} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { ${PAYLOAD} } }`;
const PUBLISH = `mutation ($id: ID!) { publishListing(id: $id) { ${PAYLOAD} } }`;
const CONFIRM = `mutation ($id: ID!, $n: String!) { confirmNotRecalled(listingId: $id, recallNumber: $n) { ${PAYLOAD} } }`;
const CLEAR = `mutation ($id: ID!, $n: String!) { clearRecallMatch(listingId: $id, recallNumber: $n) { ${PAYLOAD} } }`;
const REFRESH = `mutation { refreshRecalls { ok fetched stored error } }`;
const LISTING = `query ($id: ID!) { listing(id: $id) { ${FIELDS} } }`;
const SEARCH = `query ($q: String) { search(query: $q, first: 10) { edges { node { id status } } } }`;
type RecallMatch = { recallNumber: string; title: string; url: string; date: string; matchedOn: string; status: string; resolvedAt: string | null };
/** A listing as FIELDS selects it: `recallMatches` is null to anyone but its owner and admins. */
type RecallListing = { id: string; title: string; status: string; attributes: { key: string; value: string }[]; recallMatches: RecallMatch[] | null };
type Payload = { listing: RecallListing | null; errors: { code: string; message: string; field: string | null }[] };
type Refreshed = { refreshRecalls: { ok: boolean; fetched: number; stored: number; error: string | null } };

/** A recall the source starts listing mid-test, in the same format. */
const NEW_RECALL = {
  RecallID: 9103,
  RecallNumber: "24103",
  RecallDate: "2024-06-20T00:00:00",
  Description: "The upper bunk's guardrail can detach, posing a fall hazard.",
  URL: "https://www.cpsc.gov/Recalls/2024/Brindlewood-Bunk-Beds-Recalled-Due-to-Fall-Hazard",
  Title: "Brindlewood Bunk Beds Recalled Due to Fall Hazard",
  Products: [
    {
      Name: "Brindlewood Bunk Beds",
      Description: "Twin-over-twin bunk beds.",
      Model: "BW-2290",
      Type: "Beds",
      CategoryID: "1301",
      NumberOfUnits: "About 3,100",
    },
  ],
  Manufacturers: [{ Name: "Brindlewood Furniture", CompanyID: "4104" }],
  Hazards: [{ Name: "Fall hazard", HazardType: "Fall", HazardTypeID: "12" }],
  Remedies: [{ Name: "Repair" }],
  Images: [],
};

// The recall source: the fixture, plus what a test adds; `down` answers 503.
const source = { extra: [] as unknown[], down: false, requests: 0 };
let server: Server;
let listings: Piece | undefined;
let gateway: Piece | undefined;
let gatewayUrl: string;

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    source.requests++;
    if (source.down) {
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
      return;
    }
    void readFile(FIXTURE, "utf8").then((text) => {
      const body = JSON.stringify([...(JSON.parse(text) as unknown[]), ...source.extra]);
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const recallsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/RestWebServices/Recall?format=json`;

  const urls = inject("subgraphUrls");
  const [listingsPort, gatewayPort] = [await freePort(), await freePort()];
  const listingsUrl = `http://127.0.0.1:${listingsPort}/graphql`;
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    ...TEST_RATE_LIMITS,
    LOG_LEVEL: "info",
    DATABASE_URL: inject("databaseUrl"),
    DATABASE_POOL_SIZE: "3",
    REDIS_PREFIX: `localex-recalls-test-${randomUUID()}:`,
    TRUST_PROXY: "loopback",
    HOST: "127.0.0.1",
    SUBGRAPH_HOST: "127.0.0.1",
    IDENTITY_URL: urls.identity,
    LISTINGS_URL: listingsUrl,
    TRADES_URL: urls.trades,
    LEDGER_URL: urls.ledger,
    MEDIA_URL: urls.media,
    SEARCH_URL: urls.search,
  };
  listings = servePiece("listings", { ...env, LISTINGS_PORT: String(listingsPort), RECALLS_URL: recallsUrl, RECALLS_REFRESH_MINUTES: "360" });
  gateway = servePiece("gateway", { ...env, PORT: String(gatewayPort) });
  await Promise.all([untilHealthy(`http://127.0.0.1:${listingsPort}/health`, listings), untilHealthy(`http://127.0.0.1:${gatewayPort}/health`, gateway)]);
  gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  // The refresh job runs once at start-up, through the job queue: the fixture's recalls arrive.
  await until("the start-up refresh", async () => {
    const [row] = await database()<{ n: number }[]>`select count(*)::int as n from listings.recalls where recall_number in ('24101', '24102')`;
    return row!.n === 2;
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([stopPiece(gateway), stopPiece(listings)]);
  await new Promise((resolve) => server?.close(resolve));
}, 60_000);

/** A member signed in on this file's gateway. */
async function member() {
  const user = await registerUser();
  return { ...user, client: new GatewayClient(gatewayUrl, user.accessToken) };
}

async function admin(): Promise<GatewayClient> {
  return new GatewayClient(gatewayUrl, (await signInAdmin()).token);
}

async function create(client: GatewayClient, title: string, slug = "kids", attributes: { key: string; value: string }[] = []) {
  const { createListing } = await client.data<{ createListing: Payload }>(CREATE, {
    input: { title, description: "Used, works fine.", categoryId: (await category(slug)).id, condition: "GOOD", creditPrice: 20, attributes },
  });
  expect(createListing.errors).toEqual([]);
  return createListing.listing!;
}

async function searchFinds(word: string, id: string): Promise<boolean> {
  const { search } = await new GatewayClient(gatewayUrl).data<{ search: { edges: { node: { id: string; status: string } }[] } }>(SEARCH, { q: word });
  return search.edges.some((e) => e.node.id === id);
}

const word = () => `w${randomUUID().replace(/-/g, "").slice(0, 10)}`;

describe("recall check", () => {
  it("flags a listing whose title names a recalled product: not publishable, the owner sees the recall, confirming makes it publishable and findable", async () => {
    const owner = await member();
    const other = await member();
    const unique = word();
    const listing = await create(owner.client, `Zephyrine Pramcraft stroller ${unique}`);
    expect(listing.status).toBe("DRAFT");
    expect(listing.recallMatches).toEqual([
      {
        recallNumber: "24101",
        title: "Zephyrine Pramcraft Strollers Recalled Due to Fall Hazard",
        url: "https://www.cpsc.gov/Recalls/2024/Zephyrine-Pramcraft-Strollers-Recalled-Due-to-Fall-Hazard",
        date: "2024-03-14",
        matchedOn: expect.stringContaining("zephyrine, pramcraft, stroller"),
        status: "OPEN",
        resolvedAt: null,
      },
    ]);

    const refused = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: listing.id })).publishListing;
    expect(refused.listing).toBeNull();
    expect(refused.errors).toEqual([
      { code: "RECALL_CHECK_REQUIRED", field: "id", message: expect.stringContaining("Zephyrine Pramcraft Strollers Recalled") },
    ]);
    expect((await owner.client.data<{ listing: RecallListing | null }>(LISTING, { id: listing.id })).listing?.status).toBe("DRAFT");

    // Someone else can neither see the draft nor confirm for the owner.
    const foreign = (await other.client.data<{ confirmNotRecalled: Payload }>(CONFIRM, { id: listing.id, n: "24101" })).confirmNotRecalled;
    expect(foreign.errors).toEqual([{ code: "NOT_FOUND", field: "listingId", message: expect.any(String) }]);
    // A recall the listing did not match cannot be confirmed.
    const unknown = (await owner.client.data<{ confirmNotRecalled: Payload }>(CONFIRM, { id: listing.id, n: "24102" })).confirmNotRecalled;
    expect(unknown.errors).toEqual([{ code: "NOT_FOUND", field: "recallNumber", message: expect.any(String) }]);

    const confirmed = (await owner.client.data<{ confirmNotRecalled: Payload }>(CONFIRM, { id: listing.id, n: "24101" })).confirmNotRecalled;
    expect(confirmed.errors).toEqual([]);
    expect(confirmed.listing?.recallMatches).toEqual([expect.objectContaining({ recallNumber: "24101", status: "CONFIRMED", resolvedAt: expect.any(String) })]);

    const published = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: listing.id })).publishListing;
    expect(published.errors).toEqual([]);
    expect(published.listing?.status).toBe("ACTIVE");
    await until("search to find the confirmed listing", () => searchFinds(unique, listing.id));
    // Others see the listing, not its recall matches.
    const seen = (await other.client.data<{ listing: RecallListing | null }>(LISTING, { id: listing.id })).listing;
    expect(seen).toMatchObject({ id: listing.id, status: "ACTIVE", recallMatches: null });
    // A later edit does not raise the confirmed recall again.
    const edited = (
      await owner.client.data<{ updateListing: Payload }>(UPDATE, { id: listing.id, input: { title: `Zephyrine Pramcraft stroller, grey ${unique}` } })
    ).updateListing;
    expect(edited.listing).toMatchObject({ status: "ACTIVE", recallMatches: [expect.objectContaining({ status: "CONFIRMED" })] });
  });

  it("an ACTIVE listing edited into a model match goes back to DRAFT and out of search; an admin clears it", async () => {
    const owner = await member();
    const unique = word();
    const draft = await create(owner.client, `Space heater ${unique}`, "electronics", [{ key: "brand", value: "Acme" }]);
    expect(draft.recallMatches).toEqual([]);
    const active = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: draft.id })).publishListing;
    expect(active.listing?.status).toBe("ACTIVE");
    await until("search to find the listing", () => searchFinds(unique, draft.id));

    // The model, hyphen left out, in an attribute.
    const edited = (await owner.client.data<{ updateListing: Payload }>(UPDATE, { id: draft.id, input: { attributes: [{ key: "model", value: "qf7781" }] } }))
      .updateListing;
    expect(edited.errors).toEqual([]);
    expect(edited.listing?.status).toBe("DRAFT");
    expect(edited.listing?.recallMatches).toEqual([
      expect.objectContaining({
        recallNumber: "24102",
        title: "Quillfeather Ceramic Space Heaters Recalled Due to Fire Hazard",
        matchedOn: "model QF-7781",
        status: "OPEN",
      }),
    ]);
    await until("search to drop the flagged listing", async () => !(await searchFinds(unique, draft.id)));
    expect((await new GatewayClient(gatewayUrl).data<{ listing: RecallListing | null }>(LISTING, { id: draft.id })).listing).toBeNull();

    // Members cannot clear; admins can, and see the matches of anyone's listing.
    const notAdmin = await owner.client.request(CLEAR, { id: draft.id, n: "24102" });
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const adminClient = await admin();
    expect((await adminClient.data<{ listing: RecallListing | null }>(LISTING, { id: draft.id })).listing?.recallMatches).toEqual([
      expect.objectContaining({ status: "OPEN" }),
    ]);
    const cleared = (await adminClient.data<{ clearRecallMatch: Payload }>(CLEAR, { id: draft.id, n: "24102" })).clearRecallMatch;
    expect(cleared.errors).toEqual([]);
    expect(cleared.listing?.recallMatches).toEqual([expect.objectContaining({ recallNumber: "24102", status: "CLEARED" })]);

    const republished = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: draft.id })).publishListing;
    expect(republished.errors).toEqual([]);
    expect(republished.listing?.status).toBe("ACTIVE");
    await until("search to find the cleared listing", () => searchFinds(unique, draft.id));
  });

  it("leaves a listing that does not match alone (one word of a name, a longer model number)", async () => {
    const owner = await member();
    const listing = await create(owner.client, `Pramcraft baby monitor ${word()}`, "electronics", [{ key: "model", value: "QF-77810" }]);
    expect(listing.recallMatches).toEqual([]);
    const published = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: listing.id })).publishListing;
    expect(published.errors).toEqual([]);
    expect(published.listing?.status).toBe("ACTIVE");
  });

  it("a refresh picks up a recall the source added: new listings match it, and so does a draft when it is published", async () => {
    const owner = await member();
    const before = await create(owner.client, `Brindlewood bunk beds ${word()}`, "furniture");
    expect(before.recallMatches).toEqual([]);

    source.extra = [NEW_RECALL];
    const member_ = await owner.client.request(REFRESH);
    expect(member_.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const { refreshRecalls } = await (await admin()).data<Refreshed>(REFRESH);
    expect(refreshRecalls).toMatchObject({ ok: true, fetched: 3, error: null });
    expect(refreshRecalls.stored).toBeGreaterThanOrEqual(3);

    const after = await create(owner.client, `Brindlewood bunk bed, solid pine ${word()}`, "furniture");
    expect(after.recallMatches).toEqual([
      expect.objectContaining({ recallNumber: "24103", title: "Brindlewood Bunk Beds Recalled Due to Fall Hazard", date: "2024-06-20", status: "OPEN" }),
    ]);
    const refused = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: before.id })).publishListing;
    expect(refused.errors).toEqual([expect.objectContaining({ code: "RECALL_CHECK_REQUIRED", field: "id" })]);
    expect((await owner.client.data<{ listing: RecallListing | null }>(LISTING, { id: before.id })).listing?.recallMatches).toEqual([
      expect.objectContaining({ recallNumber: "24103", status: "OPEN" }),
    ]);
  });

  it("with the source down, the refresh fails and is logged, and listings are checked against what was last fetched", async () => {
    source.down = true;
    const requests = source.requests;
    try {
      const { refreshRecalls } = await (await admin()).data<Refreshed>(REFRESH);
      expect(refreshRecalls).toMatchObject({ ok: false, fetched: 0, error: expect.stringContaining("503") });
      expect(refreshRecalls.stored).toBeGreaterThanOrEqual(3);
      expect(source.requests).toBeGreaterThan(requests);
      await until("the failure in the log", async () => listings!.output().includes("recall refresh failed"));

      const owner = await member();
      const flagged = await create(owner.client, `Quillfeather ceramic space heater ${word()}`, "electronics");
      expect(flagged.recallMatches).toEqual([expect.objectContaining({ recallNumber: "24102", status: "OPEN" })]);
      const plain = await create(owner.client, `Oak bookshelf ${word()}`, "furniture");
      const published = (await owner.client.data<{ publishListing: Payload }>(PUBLISH, { id: plain.id })).publishListing;
      expect(published.errors).toEqual([]);
      expect(published.listing?.status).toBe("ACTIVE");
    } finally {
      source.down = false;
    }
  });
});
