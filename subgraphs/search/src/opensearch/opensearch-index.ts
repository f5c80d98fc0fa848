import { Client } from "@opensearch-project/opensearch";
import type { ListingDocument } from "@localex/common";
import type { SearchIndex, SearchRequest, SearchResult, UpsertOutcome } from "../index-port/search-index.ts";
import { ADDED_PROPERTIES, LISTING_INDEX_BODY } from "./mappings.ts";
import { buildSearchBody, EXACT_COUNT_LIMIT, readSearchResponse, similarQuery, suggestBody, type RawSearchResponse } from "./queries.ts";

export interface OpenSearchOptions {
  url: string;
  /** Searches and writes go through this alias; the concrete index behind it is `<alias>-<time>`. */
  alias: string;
}

interface BulkResponse {
  errors: boolean;
  items: Record<string, { status: number; error?: { type: string; reason?: string } }>[];
}

/**
 * OpenSearch 2.x adapter. Versions are external (`external_gte`), so OpenSearch itself
 * refuses a snapshot older than the stored one, even under concurrent writers.
 */
export class OpenSearchIndex implements SearchIndex {
  readonly engine = "opensearch";
  readonly exactCountLimit = EXACT_COUNT_LIMIT;
  private readonly client: Client;

  constructor(private readonly options: OpenSearchOptions) {
    this.client = new Client({ node: options.url });
  }

  private get alias(): string {
    return this.options.alias;
  }

  /** Where a reindex in progress also writes, so jobs that run meanwhile are not lost at the swap. */
  private get buildingAlias(): string {
    return `${this.options.alias}-building`;
  }

  private async createIndex(aliases: Record<string, object>): Promise<string> {
    const name = `${this.alias}-${Date.now().toString(36)}`;
    await this.client.indices.create({ index: name, body: { ...LISTING_INDEX_BODY, aliases } });
    return name;
  }

  async prepare(): Promise<void> {
    const exists = await this.client.indices.existsAlias({ name: this.alias });
    if (exists.body) {
      // An index made before a field was added takes it now (adding a field to a mapping is allowed in place).
      await this.client.indices.putMapping({ index: this.alias, body: { properties: ADDED_PROPERTIES } });
      return;
    }
    try {
      await this.createIndex({ [this.alias]: {} });
    } catch (e) {
      // Another replica created it first.
      if (!(await this.client.indices.existsAlias({ name: this.alias })).body) throw e;
    }
  }

  private async targets(): Promise<string[]> {
    const building = await this.client.indices.existsAlias({ name: this.buildingAlias });
    return building.body ? [this.alias, this.buildingAlias] : [this.alias];
  }

  /** Bulk-writes documents with external versions; returns how many were stored in `index`. */
  private async write(documents: readonly ListingDocument[], indices: string[], refresh = false): Promise<number> {
    if (documents.length === 0) return 0;
    const body = indices.flatMap((index) =>
      documents.flatMap((d) => [{ index: { _index: index, _id: d.id, version: d.version, version_type: "external_gte" } }, d]),
    );
    const response = await this.client.bulk({ body, refresh: refresh ? "wait_for" : false });
    const result = response.body as unknown as BulkResponse;
    let stored = 0;
    for (const [i, item] of result.items.entries()) {
      const outcome = item.index;
      if (!outcome) continue;
      if (outcome.status === 409) continue; // a newer version is already there
      if (outcome.error) throw new Error(`OpenSearch refused ${documents[i % documents.length]?.id}: ${outcome.error.type} ${outcome.error.reason ?? ""}`);
      if (i < documents.length) stored += 1;
    }
    return stored;
  }

  async upsert(document: ListingDocument): Promise<UpsertOutcome> {
    return (await this.write([document], await this.targets(), true)) > 0 ? "indexed" : "stale";
  }

  async upsertMany(documents: readonly ListingDocument[]): Promise<number> {
    return this.write(documents, await this.targets(), true);
  }

  async rebuild(pages: AsyncIterable<readonly ListingDocument[]>): Promise<{ documents: number }> {
    const fresh = await this.createIndex({ [this.buildingAlias]: {} });
    let documents = 0;
    try {
      for await (const page of pages) {
        await this.write(page, [fresh]);
        documents += page.length;
      }
      await this.client.indices.refresh({ index: fresh });
      const current = await this.client.indices.getAlias({ name: this.alias }).catch(() => ({ body: {} }));
      const old = Object.keys(current.body as Record<string, unknown>);
      // One request, so searches see either the old index or the new one, never neither.
      await this.client.indices.updateAliases({
        body: {
          actions: [
            ...old.map((index) => ({ remove: { index, alias: this.alias } })),
            { remove: { index: fresh, alias: this.buildingAlias } },
            { add: { index: fresh, alias: this.alias } },
          ],
        },
      });
      if (old.length > 0) await this.client.indices.delete({ index: old });
    } catch (e) {
      await this.client.indices.delete({ index: fresh }).catch(() => undefined);
      throw e;
    }
    return { documents };
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const response = await this.client.search({ index: this.alias, body: buildSearchBody(request) });
    return readSearchResponse(response.body as unknown as RawSearchResponse, request);
  }

  async suggest(prefix: string, limit: number): Promise<string[]> {
    const response = await this.client.search({ index: this.alias, body: suggestBody(prefix, limit) });
    const body = response.body as unknown as RawSearchResponse;
    const titles = body.hits.hits.map((h) => h._source?.title).filter((t): t is string => typeof t === "string");
    return [...new Set(titles)].slice(0, limit);
  }

  async similar(ids: readonly string[], first: number): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0 || first === 0) return result;
    // One msearch with a more_like_this query per listing.
    const body = ids.flatMap((id) => [{ index: this.alias }, similarQuery(this.alias, id, first)]);
    const response = await this.client.msearch({ body });
    const responses = (response.body as unknown as { responses: (RawSearchResponse | { error: unknown })[] }).responses;
    responses.forEach((r, i) => {
      const id = ids[i];
      if (id && "hits" in r)
        result.set(
          id,
          r.hits.hits.map((h) => h._id),
        );
    });
    return result;
  }

  /** Deletes every index this alias has used (for tests and tear-down). */
  async dropAll(): Promise<void> {
    await this.client.indices.delete({ index: `${this.alias}-*` });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
