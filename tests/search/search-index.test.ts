// One behavioural suite, run against every SearchIndex adapter: PostgreSQL always (a
// database of its own on the test server, since `rebuild` replaces the whole index), and
// OpenSearch when OPENSEARCH_URL is set.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, migrateSubgraph, type Sql } from "@localex/common";
import { OpenSearchIndex, PostgresSearchIndex, type SearchIndex } from "../../subgraphs/search/src/index.ts";
import { searchIndexContract } from "./search-index.contract.ts";
import { listingDocument, uniqueWord } from "./documents.ts";

describe("SearchIndex on PostgreSQL", () => {
  const name = `localex_search_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const serverUrl = inject("databaseUrl");
  let sql: Sql;
  let index: SearchIndex;

  beforeAll(async () => {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await migrateSubgraph(url.toString(), "search");
    sql = connect(url.toString(), { max: 4 });
    index = new PostgresSearchIndex(sql);
    await index.prepare();
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  searchIndexContract(() => index);

  it("a rebuild stores the similar listings of every findable listing, so no reader has to compute them", async () => {
    const word = uniqueWord();
    const lamp = listingDocument({ title: `${word} brass lamp` });
    const shade = listingDocument({ title: `${word} lamp shade`, categoryId: lamp.categoryId });
    const archived = listingDocument({ title: `${word} lamp archived`, status: "ARCHIVED" });
    async function* pages() {
      yield [lamp, shade, archived];
    }
    await index.rebuild(pages());
    const lists = await sql<{ listingId: string; similarIds: string[] }[]>`
      select listing_id as "listingId", similar_ids::text[] as "similarIds" from search.similar_listings order by listing_id`;
    expect(new Map(lists.map((l) => [l.listingId, l.similarIds]))).toEqual(
      new Map([
        [lamp.id, [shade.id]],
        [shade.id, [lamp.id]],
      ]),
    );
  });
});

const opensearchUrl = process.env.OPENSEARCH_URL;
if (!opensearchUrl) {
  console.warn("SearchIndex on OpenSearch: skipped, OPENSEARCH_URL is not set (see docs/search.md to run it).");
}

describe.skipIf(!opensearchUrl)(opensearchUrl ? "SearchIndex on OpenSearch" : "SearchIndex on OpenSearch (skipped: OPENSEARCH_URL not set)", () => {
  const alias = `localex-test-${randomUUID().slice(0, 8)}`;
  let index: OpenSearchIndex;

  beforeAll(async () => {
    index = new OpenSearchIndex({ url: opensearchUrl ?? "", alias });
    await index.prepare();
  });

  afterAll(async () => {
    await index?.dropAll();
    await index?.close();
  });

  searchIndexContract(() => index);
});
