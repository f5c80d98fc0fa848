// Shared by the listings tests: the operations a front-end sends, a service caller for the
// internal fields, and a view of the job queue.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { serviceCaller, signCallerToken } from "@localex/common";
import { GatewayClient, type TestUser } from "../harness/client.ts";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";

export const LISTING_FIELDS = /* GraphQL */ `
  id title description condition status creditPrice createdAt updatedAt
  category { id slug name } location { lat lon } attributes { key value } owner { id }
`;
const PAYLOAD = `listing { ${LISTING_FIELDS} } errors { code message field }`;

export const CREATE = `mutation ($input: CreateListingInput!) { createListing(input: $input) { ${PAYLOAD} } }`;
export const UPDATE = `mutation ($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { ${PAYLOAD} } }`;
export const PUBLISH = `mutation ($id: ID!) { publishListing(id: $id) { ${PAYLOAD} } }`;
export const ARCHIVE = `mutation ($id: ID!) { archiveListing(id: $id) { ${PAYLOAD} } }`;
export const LISTING = `query ($id: ID!) { listing(id: $id) { ${LISTING_FIELDS} } }`;

export interface Category {
  id: string;
  slug: string;
  name: string;
  allowedAttributes: string[];
}

let categoryCache: Promise<Category[]> | undefined;
export function categories(): Promise<Category[]> {
  categoryCache ??= new GatewayClient().data<{ categories: Category[] }>(`{ categories { id slug name allowedAttributes } }`).then((d) => d.categories);
  return categoryCache;
}

export async function category(slug: string): Promise<Category> {
  const found = (await categories()).find((c) => c.slug === slug);
  if (!found) throw new Error(`no category ${slug}`);
  return found;
}

export async function listingInput(overrides: Record<string, unknown> = {}) {
  return {
    title: "Oak dining table",
    description: "Seats six. A few scratches on the top.",
    categoryId: (await category("furniture")).id,
    condition: "GOOD",
    creditPrice: 40,
    location: { lat: 52.37, lon: 4.9 },
    attributes: [{ key: "material", value: "oak" }],
    ...overrides,
  };
}

/** A listing as LISTING_FIELDS selects it. */
export interface Listing {
  id: string;
  title: string;
  description: string;
  condition: string;
  status: string;
  creditPrice: number | null;
  createdAt: string;
  updatedAt: string;
  category: { id: string; slug: string; name: string };
  location: { lat: number; lon: number } | null;
  attributes: { key: string; value: string }[];
  owner: { id: string };
}

export interface FieldError {
  code: string;
  message: string;
  field: string | null;
}

/** What CREATE, UPDATE, PUBLISH and ARCHIVE answer. */
export interface ListingPayload {
  listing: Listing | null;
  errors: FieldError[];
}
export type Created = { createListing: ListingPayload };
export type Updated = { updateListing: ListingPayload };
export type Published = { publishListing: ListingPayload };
export type Archived = { archiveListing: ListingPayload };
export type ListingById = { listing: Listing | null };

/** Creates a listing through the gateway; publishes it unless `draft`. */
export async function createListing(user: TestUser, overrides: Record<string, unknown> = {}, { draft = false } = {}): Promise<Listing> {
  const { createListing } = await user.client.data<Created>(CREATE, { input: await listingInput(overrides) });
  if (createListing.errors.length > 0 || !createListing.listing) throw new Error(JSON.stringify(createListing.errors));
  if (draft) return createListing.listing;
  const { publishListing } = await user.client.data<Published>(PUBLISH, { id: createListing.listing.id });
  if (publishListing.errors.length > 0 || !publishListing.listing) throw new Error(JSON.stringify(publishListing.errors));
  return publishListing.listing;
}

/** Calls the listings subgraph directly as another subgraph would (trades, unless said): signed with that service's own key. */
export async function asService<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  as: "trades" | "search" | "media" = "trades",
) {
  const token = await signCallerToken(TEST_CALLER_KEYS, serviceCaller(as), { signer: as, audience: "listings" });
  return subgraphRequest<T>(query, variables, { "x-localex-caller": token });
}

export async function subgraphRequest<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await fetch(inject("subgraphUrls").listings!, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export const newTradeId = () => randomUUID();

let db: postgres.Sql | undefined;
export function database(): postgres.Sql {
  db ??= postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
  return db;
}

/**
 * Search's worker may take an index job the moment it commits, so the queue alone cannot show
 * that one was enqueued. A trigger on graphile-worker's job table copies every
 * `index-listing:*` snapshot as it is written (or replaced), so a test can read all the snapshots a listing got.
 */
export async function captureIndexJobs(): Promise<void> {
  const sql = database();
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('listings-tests:capture'))`;
    await tx.unsafe(`
      create schema if not exists listings_test;
      create table if not exists listings_test.index_jobs (
        seq bigserial primary key, key text not null, payload json not null, task text not null);
      create or replace function listings_test.capture() returns trigger language plpgsql as $$
      begin
        -- A worker taking the job updates it too; only a new or replaced snapshot counts.
        if tg_op = 'UPDATE' and old.revision = new.revision then return new; end if;
        insert into listings_test.index_jobs (key, payload, task)
          select new.key, new.payload, t.identifier from graphile_worker._private_tasks t where t.id = new.task_id;
        return new;
      end $$;
      drop trigger if exists listings_test_capture on graphile_worker._private_jobs;
      create trigger listings_test_capture after insert or update on graphile_worker._private_jobs
        for each row when (new.key like 'index-listing:%') execute function listings_test.capture();`);
  });
}

export interface IndexJob {
  key: string;
  task: string;
  payload: { listing: Record<string, unknown> & { version: number; status: string } };
}

export async function indexJobs(listingId: string): Promise<IndexJob[]> {
  const rows = await database()<IndexJob[]>`
    select key, task, payload from listings_test.index_jobs where key = ${`index-listing:${listingId}`} order by seq`;
  return rows;
}
