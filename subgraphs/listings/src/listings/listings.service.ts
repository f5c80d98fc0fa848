import { and, count, desc, eq, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { anyOfKeys, badInput, readByKeys, decodeInstantCursor, isUuid, type Caller, type ListingStatusName } from "@localex/common";
import { listings, type ListingRow, type ListingsDatabase } from "../db/schema.ts";
import { fromJson, type ListingJson } from "./listing-json.ts";
import { FILTER_LIST_MAX } from "./validation.ts";

export interface ListingQuery {
  categoryIds?: string[] | null;
  conditions?: string[] | null;
  status?: ListingStatusName | null;
  ownerId?: string | null;
  maxCredits?: number | null;
}

export interface Page {
  rows: ListingRow[];
  totalCount: number;
}

/** One page of one owner's listings: what `User.listings(status, first, after)` asks for. */
export interface OwnerPageKey {
  ownerId: string;
  status: ListingStatusName | null;
  first: number;
  after: string | null;
}

/** A search page's hits and their `similar` listings, with room to spare. */
const UNFINDABLE_MAX = 2000;

const EMPTY: Page = { rows: [], totalCount: 0 };

/** Newest first; (created_at, id) is unique, so a cursor is a fixed point however many rows arrive. */
const newestFirst = [desc(listings.createdAt), desc(listings.id)];

/** Taken down by an admin, or its owner suspended: seen only by its owner and admins (docs/listings.md#moderation). */
export function isHidden(row: Pick<ListingRow, "takenDownAt" | "ownerSuspendedAt">): boolean {
  return row.takenDownAt !== null || row.ownerSuspendedAt !== null;
}

/** The listing's owner, an admin, or a service (which decides for itself what it passes on). */
export function isOwnerOrStaff(row: Pick<ListingRow, "ownerId">, viewer: Caller | null): boolean {
  return viewer !== null && (viewer.userId === row.ownerId || viewer.role !== "user");
}

/**
 * `listing(id)`: a draft, and a listing moderation hid, are their owner's (and admins')
 * business; everything else may be seen by anyone who knows its id.
 */
export function canSee(row: ListingRow, viewer: Caller | null): boolean {
  return (row.status !== "DRAFT" && !isHidden(row)) || isOwnerOrStaff(row, viewer);
}

/**
 * A reference another subgraph hands out (`_entities`: a trade's listings, search's hits): a hidden
 * listing still resolves, because only what names it reaches it (a trade its parties see, which
 * must not lose a listing it already holds; search leaves hidden ones out itself). Drafts never.
 */
export function canSeeByReference(row: ListingRow, viewer: Caller | null): boolean {
  return row.status !== "DRAFT" || isOwnerOrStaff(row, viewer);
}

/** Not hidden by moderation, in SQL. */
const shown = and(isNull(listings.takenDownAt), isNull(listings.ownerSuspendedAt))!;

export function cursorKey(row: ListingRow): string[] {
  return [row.createdAt.toISOString(), row.id];
}

/** Lists in a filter are capped, so a request cannot make one huge `in (...)`: a clear error naming the field. */
function checkFilterLists(filter: ListingQuery): void {
  for (const field of ["categoryIds", "conditions"] as const) {
    const list = filter[field];
    if (list && list.length > FILTER_LIST_MAX) {
      throw badInput(`\`filter.${field}\` may list at most ${FILTER_LIST_MAX} values.`, `filter.${field}`);
    }
  }
}

/** The reads every page makes, built and prepared once (anyOfKeys). */
function preparedReads(db: ListingsDatabase) {
  return {
    byIds: readByKeys(db.select().from(listings).where(anyOfKeys(listings.id, "uuid")).prepare("listings_by_ids")),
    unfindable: readByKeys(
      db
        .select({ id: listings.id })
        .from(listings)
        .where(
          and(anyOfKeys(listings.id, "uuid"), or(sql`${listings.status} <> 'ACTIVE'`, isNotNull(listings.takenDownAt), isNotNull(listings.ownerSuspendedAt))),
        )
        .prepare("listings_unfindable"),
    ),
  };
}

export class ListingsService {
  private readonly reads: ReturnType<typeof preparedReads>;

  constructor(private readonly db: ListingsDatabase) {
    this.reads = preparedReads(db);
  }

  byIds(ids: readonly string[]): Promise<ListingRow[]> {
    return this.reads.byIds(ids);
  }

  /**
   * Of these ids, the listings that exist and are not ACTIVE or are hidden by moderation: hits
   * search's index has not yet caught up with (unpublished by a recall match, reserved, traded,
   * taken down). Unknown ids are left out.
   */
  async unfindable(ids: readonly string[]): Promise<string[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length > UNFINDABLE_MAX) throw badInput(`Ask about at most ${UNFINDABLE_MAX} listings at once.`, "ids");
    const rows = await this.reads.unfindable(valid);
    return rows.map((r) => r.id);
  }

  /** Other people's listings only when ACTIVE and not hidden by moderation; the viewer's own in any status. */
  async list(filter: ListingQuery, first: number, after: string | null, viewer: Caller | null): Promise<Page> {
    checkFilterLists(filter);
    const cursor = decodeInstantCursor(after);
    const where = this.filterSql(filter, viewer);
    if (!where) return EMPTY;
    const keyset = cursor ? sql`(${listings.createdAt}, ${listings.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(listings)
        .where(and(where, keyset))
        .orderBy(...newestFirst)
        .limit(first + 1),
      this.db.select({ n: count() }).from(listings).where(where),
    ]);
    return { rows, totalCount: total?.n ?? 0 };
  }

  private filterSql(filter: ListingQuery, viewer: Caller | null): SQL | null {
    const own = viewer !== null && filter.ownerId === viewer.userId;
    const status = filter.status ?? (own ? null : "ACTIVE");
    if (filter.ownerId != null && !isUuid(filter.ownerId)) return null;
    const parts: (SQL | undefined)[] = [
      viewer ? or(and(eq(listings.status, "ACTIVE"), shown), eq(listings.ownerId, viewer.userId)) : and(eq(listings.status, "ACTIVE"), shown),
      status ? eq(listings.status, status) : undefined,
      filter.ownerId != null ? eq(listings.ownerId, filter.ownerId) : undefined,
    ];
    // An empty list means "any", as a cleared facet in a front-end does.
    if (filter.categoryIds?.length) {
      const ids = filter.categoryIds.filter(isUuid);
      if (ids.length === 0) return null;
      parts.push(inArray(listings.categoryId, ids));
    }
    if (filter.conditions?.length) parts.push(inArray(listings.condition, filter.conditions as ListingRow["condition"][]));
    if (filter.maxCredits != null) parts.push(and(isNotNull(listings.creditPrice), lte(listings.creditPrice, filter.maxCredits)));
    return and(...parts) ?? null;
  }

  /**
   * Pages of many owners' listings in one statement (the DataLoader behind `User.listings`):
   * each key is a lateral subquery over the owner's index, with its own count.
   */
  async pagesByOwner(keys: readonly OwnerPageKey[], viewer: Caller | null): Promise<Page[]> {
    const specs = keys.map((key, i) => {
      const own = viewer !== null && viewer.userId === key.ownerId;
      // Someone else's drafts, reservations or archive are not listed.
      const hidden = !isUuid(key.ownerId) || (!own && key.status !== null && key.status !== "ACTIVE");
      const cursor = decodeInstantCursor(key.after);
      return {
        i,
        owner_id: key.ownerId,
        status: own ? key.status : "ACTIVE",
        after_at: cursor?.at ?? null,
        after_id: cursor?.id ?? null,
        lim: key.first + 1,
        // Someone else's listings that moderation hid are left out, as from every other list.
        shown_only: !own,
        hidden,
      };
    });
    const asked = specs.filter((s) => !s.hidden);
    const pages: Page[] = keys.map(() => ({ rows: [], totalCount: 0 }));
    if (asked.length === 0) return pages;
    const result = await this.db.execute<{ i: number; total: number; listing: ListingJson | null }>(sql`
      select k.i, t.total, row_to_json(l) as listing
      from jsonb_to_recordset(${JSON.stringify(asked)}::jsonb)
        as k(i int, owner_id uuid, status text, after_at timestamptz, after_id uuid, lim int, shown_only boolean)
      cross join lateral (
        select count(*)::int as total from ${listings} c
        where c.owner_id = k.owner_id and (k.status is null or c.status = k.status)
          and (not k.shown_only or (c.taken_down_at is null and c.owner_suspended_at is null))
      ) t
      left join lateral (
        select * from ${listings} x
        where x.owner_id = k.owner_id and (k.status is null or x.status = k.status)
          and (not k.shown_only or (x.taken_down_at is null and x.owner_suspended_at is null))
          and (k.after_at is null or (x.created_at, x.id) < (k.after_at, k.after_id))
        order by x.created_at desc, x.id desc
        limit k.lim
      ) l on true
      order by k.i, l.created_at desc, l.id desc`);
    for (const r of result) {
      const page = pages[r.i]!;
      page.totalCount = r.total;
      if (r.listing) page.rows.push(fromJson(r.listing));
    }
    return pages;
  }
}
