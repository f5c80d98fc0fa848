import { and, arrayOverlaps, asc, count, eq, inArray, or, sql } from "drizzle-orm";
import { accepted, isUuid, recordAdminAct, refusal, type Caller, type Logger, type Outcome, type Refusal } from "@localex/common";
import {
  listings,
  recallMatches,
  recalls,
  type ListingRow,
  type ListingsDatabase,
  type RecallMatchRow,
  type RecallMatchStatusName,
  type Tx,
} from "../db/schema.ts";
import { canSee } from "../listings/listings.service.ts";
import { listingWords, matchProducts, recallKeys, type ListingText } from "./matching.ts";
import type { RecallSource } from "./recall-source.ts";

export interface RefreshResult {
  ok: boolean;
  /** Recalls the source listed this time (0 when it failed). */
  fetched: number;
  /** Recalls held now, the ones the check uses. */
  stored: number;
  /** Why the refresh failed; null when it did not. */
  error: string | null;
}

/** Recalls are written this many at a time. */
const CHUNK = 500;

/**
 * The recall check: refreshes the recalls from the source into `listings.recalls`, and matches
 * listings against what was last fetched (so a source that is down never stops listings).
 */
export class RecallsService {
  constructor(
    private readonly db: ListingsDatabase,
    /** Null when no source is configured (RECALLS_URL unset): listings are not checked. */
    readonly source: RecallSource | null,
    private readonly log: Logger,
  ) {}

  get enabled(): boolean {
    return this.source !== null;
  }

  /**
   * Fetches every recall and stores it (inserted, or updated when its number is known). Recalls
   * the source no longer lists are kept. A failure is logged and changes nothing.
   */
  async refresh(): Promise<RefreshResult> {
    if (!this.source) return { ok: false, fetched: 0, stored: await this.count(), error: "no recall source is configured (RECALLS_URL)" };
    try {
      const fetched = await this.source.fetchRecalls();
      // One row per number (the last one listed wins), written in number order: two refreshes
      // at once lock rows in the same order, so they never deadlock.
      const byNumber = new Map(fetched.map((r) => [r.recallNumber, r]));
      const rows = [...byNumber.values()]
        .sort((a, b) => (a.recallNumber < b.recallNumber ? -1 : a.recallNumber > b.recallNumber ? 1 : 0))
        .map((r) => ({ ...r, ...recallKeys(r.products) }));
      await this.db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          await tx
            .insert(recalls)
            .values(rows.slice(i, i + CHUNK))
            .onConflictDoUpdate({
              target: recalls.recallNumber,
              set: {
                recallId: sql`excluded.recall_id`,
                title: sql`excluded.title`,
                url: sql`excluded.url`,
                recallDate: sql`excluded.recall_date`,
                products: sql`excluded.products`,
                models: sql`excluded.models`,
                nameTokens: sql`excluded.name_tokens`,
                fetchedAt: sql`now()`,
              },
            });
        }
      });
      const stored = await this.count();
      this.log.info({ source: this.source.description, fetched: rows.length, stored }, "recalls refreshed");
      return { ok: true, fetched: rows.length, stored, error: null };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const stored = await this.count().catch(() => 0);
      this.log.error({ source: this.source.description, error, stored }, "recall refresh failed; listings are checked against the recalls last fetched");
      return { ok: false, fetched: 0, stored, error };
    }
  }

  private async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(recalls);
    return row?.n ?? 0;
  }

  /**
   * Records the recalls the listing (as it will be) matches, inside the change's transaction.
   * A recall already recorded for the listing, open or resolved, is left as it is: an owner's
   * confirmation holds until that recall changes number. Does nothing when no source is configured.
   */
  async check(tx: Tx, listingId: string, listing: ListingText): Promise<void> {
    if (!this.enabled) return;
    const words = listingWords(listing);
    if (words.models.size === 0 && words.names.size === 0) return;
    const lookups = [];
    if (words.models.size > 0) lookups.push(arrayOverlaps(recalls.models, [...words.models]));
    if (words.names.size > 0) lookups.push(arrayOverlaps(recalls.nameTokens, [...words.names]));
    const candidates = await tx
      .select({ recallNumber: recalls.recallNumber, title: recalls.title, url: recalls.url, recallDate: recalls.recallDate, products: recalls.products })
      .from(recalls)
      .where(or(...lookups))
      .orderBy(asc(recalls.recallNumber))
      .limit(1000);
    const found = candidates.flatMap((r) => {
      const matchedOn = matchProducts(words, r.products);
      return matchedOn ? [{ listingId, recallNumber: r.recallNumber, title: r.title, url: r.url, recallDate: r.recallDate, matchedOn }] : [];
    });
    if (found.length > 0) await tx.insert(recallMatches).values(found).onConflictDoNothing();
  }

  /** The listing's matches that still hold it back. */
  async openMatches(tx: Tx, listingId: string): Promise<RecallMatchRow[]> {
    return tx
      .select()
      .from(recallMatches)
      .where(and(eq(recallMatches.listingId, listingId), eq(recallMatches.status, "OPEN")))
      .orderBy(asc(recallMatches.createdAt), asc(recallMatches.recallNumber));
  }

  /** Every match of these listings, open and resolved, oldest first. */
  async matchesFor(listingIds: readonly string[]): Promise<RecallMatchRow[]> {
    const ids = listingIds.filter(isUuid);
    if (ids.length === 0) return [];
    return this.db
      .select()
      .from(recallMatches)
      .where(inArray(recallMatches.listingId, ids))
      .orderBy(asc(recallMatches.createdAt), asc(recallMatches.recallNumber));
  }

  /**
   * Resolves a match: CONFIRMED by the listing's owner (it is not the recalled product), or
   * CLEARED by an admin. Resolving a resolved match again changes nothing.
   */
  async resolve(
    caller: Caller,
    listingId: string,
    recallNumber: string,
    as: Exclude<RecallMatchStatusName, "OPEN">,
    reason: string | null = null,
  ): Promise<Outcome<ListingRow>> {
    return this.db.transaction(async (tx) => {
      const [row] = isUuid(listingId) ? await tx.select().from(listings).where(eq(listings.id, listingId)) : [];
      if (!row || !canSee(row, caller)) return refusal("NOT_FOUND", "This listing was not found.", "listingId");
      if (as === "CONFIRMED" && row.ownerId !== caller.userId) {
        return refusal("FORBIDDEN", "Only the listing's owner may confirm it is not the recalled product.", "listingId");
      }
      const [match] = await tx
        .select()
        .from(recallMatches)
        .where(and(eq(recallMatches.listingId, row.id), eq(recallMatches.recallNumber, recallNumber.trim())))
        .for("update");
      if (!match) {
        return refusal("NOT_FOUND", "This listing has no match with that recall.", "recallNumber");
      }
      if (match.status === "OPEN") {
        await tx
          .update(recallMatches)
          .set({ status: as, resolvedBy: caller.userId, resolvedAt: sql`now()` })
          .where(and(eq(recallMatches.listingId, row.id), eq(recallMatches.recallNumber, match.recallNumber)));
        // An admin's clearance is an act on the owner's listing: audited with it (never a no-op on a resolved match).
        if (as === "CLEARED") {
          await recordAdminAct(tx, {
            admin: caller.userId,
            action: "RECALL_MATCH_CLEARED",
            subject: { kind: "LISTING", id: row.id },
            members: [row.ownerId],
            reason,
            details: { recallNumber: match.recallNumber },
          });
        }
      }
      return accepted(row);
    });
  }
}

/** publishListing's refusal while a match is open. */
export function recallCheckRequired(open: readonly RecallMatchRow[]): Refusal {
  const names = open.map((m) => `${m.title} (${m.recallNumber})`).join("; ");
  return refusal(
    "RECALL_CHECK_REQUIRED",
    `This listing looks like a recalled product: ${names}. See recallMatches; confirm it is not that product (confirmNotRecalled) or ask an admin, then publish.`,
    "id",
  );
}
