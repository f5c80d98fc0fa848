import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { accepted, idempotencyKeyProblem, isUuid, refusal, refusals, type Caller, type Outcome, type Refusal } from "@localex/common";
import { categories, listings, type CategoryRow, type ListingRow, type ListingsDatabase, type Tx } from "../db/schema.ts";
import type { ModerationStore } from "../moderation/moderation.store.ts";
import { recallCheckRequired, type RecallsService } from "../recalls/recalls.service.ts";
import { bumped, enqueueIndexing } from "./documents.ts";
import type { CreateListingInput, UpdateListingInput } from "./listing.inputs.ts";
import { canSee } from "./listings.service.ts";
import { checkAttributes, checkCreditPrice, checkDescription, checkLocation, checkTitle, normaliseLine, normaliseText } from "./validation.ts";

/** The listing as the change left it, or why it was refused. */
export type ListingOutcome = Outcome<ListingRow>;

const invalid = (field: string, message: string) => refusal("INVALID_INPUT", message, field);

/**
 * Creating, editing, publishing and archiving listings: by their owner only, each change
 * reindexed. New and edited titles and attributes are checked against product recalls.
 */
export class ListingWritesService {
  constructor(
    private readonly db: ListingsDatabase,
    private readonly recalls: RecallsService,
    private readonly moderation: ModerationStore,
  ) {}

  /**
   * Creates a DRAFT. With an idempotency key, a replay by the same owner answers the listing the
   * key first created (as it is now) and creates nothing; the key with other input is refused.
   * Concurrent requests with one key race on the unique (owner, key) index: one inserts, the
   * others wait for it and answer as its replay.
   */
  async create(owner: Caller, input: CreateListingInput, idempotencyKey: string | null = null): Promise<ListingOutcome> {
    let key: string | null = null;
    let fingerprint: string | null = null;
    if (idempotencyKey != null) {
      key = idempotencyKey.trim(); // as proposeTrade and acceptTrade read theirs
      const keyProblem = idempotencyKeyProblem(key);
      if (keyProblem) return refusal(keyProblem.code, keyProblem.message, keyProblem.field);
      fingerprint = fingerprintOf(input);
      const replay = await this.replay(owner, key, fingerprint);
      if (replay) return replay;
    }
    const problems: Refusal[] = [];
    const title = normaliseLine(input.title);
    const description = normaliseText(input.description);
    checkTitle(title, problems);
    checkDescription(description, problems);
    checkCreditPrice(input.creditPrice ?? null, problems);
    checkLocation(input.location ?? null, problems);
    const created = await this.db.transaction(async (tx): Promise<ListingOutcome | null> => {
      const category = await categoryById(tx, input.categoryId);
      if (!category) problems.push(unknownCategory());
      const attributes = category ? checkAttributes(input.attributes ?? [], category, problems) : {};
      const refused = refusals(problems);
      if (refused) return refused;
      // A suspended member's new listing is hidden from the start, as their others are.
      const ownerSuspendedAt = await this.moderation.suspensionOf(tx, owner.userId);
      const [row] = await tx
        .insert(listings)
        .values({
          ownerId: owner.userId,
          title,
          description,
          categoryId: category!.id,
          condition: input.condition,
          creditPrice: input.creditPrice ?? null,
          lat: input.location?.lat ?? null,
          lon: input.location?.lon ?? null,
          attributes,
          createKey: key,
          createFingerprint: fingerprint,
          ownerSuspendedAt,
        })
        .onConflictDoNothing({ target: [listings.ownerId, listings.createKey] })
        .returning();
      if (!row) return null; // another request with this key committed first
      await this.recalls.check(tx, row.id, row);
      await enqueueIndexing(tx, [row]);
      return accepted(row);
    });
    if (created) return created;
    const replay = await this.replay(owner, key!, fingerprint!);
    if (!replay) throw new Error("a listing's idempotency key conflicted with no stored listing");
    return replay;
  }

  private async replay(owner: Caller, key: string, fingerprint: string): Promise<ListingOutcome | null> {
    const [first] = await this.db
      .select()
      .from(listings)
      .where(and(eq(listings.ownerId, owner.userId), eq(listings.createKey, key)));
    if (!first) return null;
    if (first.createFingerprint !== fingerprint) {
      return refusal("IDEMPOTENCY_CONFLICT", "This idempotency key was already used to create a different listing.", "idempotencyKey");
    }
    return accepted(first);
  }

  /** Changes only the fields given; null clears creditPrice and location and leaves the required fields. */
  async update(caller: Caller, id: string, input: UpdateListingInput): Promise<ListingOutcome> {
    return this.db.transaction(async (tx) => {
      const found = await this.lockOwned(tx, caller, id);
      if (!found.ok) return found;
      const current = found.value;
      if (current.takenDownAt) return takenDown("edited");
      if (current.status === "RESERVED" || current.status === "TRADED") return locked(current, "edited");
      const problems: Refusal[] = [];
      const set: Partial<ListingRow> = {};
      if (input.title != null) {
        set.title = normaliseLine(input.title);
        checkTitle(set.title, problems);
      }
      if (input.description != null) {
        set.description = normaliseText(input.description);
        checkDescription(set.description, problems);
      }
      if (input.condition != null) set.condition = input.condition;
      if (input.creditPrice !== undefined) {
        checkCreditPrice(input.creditPrice, problems);
        set.creditPrice = input.creditPrice;
      }
      if (input.location !== undefined) {
        checkLocation(input.location, problems);
        set.lat = input.location?.lat ?? null;
        set.lon = input.location?.lon ?? null;
      }
      let category: CategoryRow | null | undefined;
      if (input.categoryId != null) {
        category = await categoryById(tx, input.categoryId);
        if (!category) problems.push(unknownCategory());
        else set.categoryId = category.id;
      }
      if (input.attributes != null || (category && category.id !== current.categoryId)) {
        category ??= await categoryById(tx, current.categoryId);
        if (input.attributes != null) set.attributes = checkAttributes(input.attributes, category!, problems);
        else refuseStrayAttributes(current.attributes, category!, problems);
      }
      const refused = refusals(problems);
      if (refused) return refused;
      if (Object.keys(set).length === 0) return accepted(current);
      if (set.title !== undefined || set.attributes !== undefined) {
        await this.recalls.check(tx, current.id, { title: set.title ?? current.title, attributes: set.attributes ?? current.attributes });
        // Edited into a match: back to DRAFT, out of lists and search, until the match is resolved.
        if (current.status === "ACTIVE" && (await this.recalls.openMatches(tx, current.id)).length > 0) set.status = "DRAFT";
      }
      return this.apply(tx, current.id, set);
    });
  }

  /** DRAFT → ACTIVE: the listing becomes findable; not while a recall match is open (RECALL_CHECK_REQUIRED). */
  async publish(caller: Caller, id: string): Promise<ListingOutcome> {
    return this.db.transaction(async (tx) => {
      const found = await this.lockOwned(tx, caller, id);
      if (!found.ok) return found;
      const row = found.value;
      if (row.takenDownAt) return takenDown("published");
      if (row.status !== "DRAFT") return illegal(row, "published; only a draft can be");
      // Checked again against the recalls fetched since the draft was written; the matches found
      // are kept even though publishing is refused.
      await this.recalls.check(tx, row.id, row);
      const open = await this.recalls.openMatches(tx, row.id);
      if (open.length > 0) return recallCheckRequired(open);
      return this.apply(tx, id, { status: "ACTIVE" });
    });
  }

  /**
   * DRAFT or ACTIVE → ARCHIVED. A RESERVED listing belongs to an accepted trade until that trade
   * completes or is cancelled, so it is refused (LISTING_LOCKED): archiving it would let the trade
   * settle the credits without the item.
   */
  async archive(caller: Caller, id: string): Promise<ListingOutcome> {
    return this.db.transaction(async (tx) => {
      const found = await this.lockOwned(tx, caller, id);
      if (!found.ok) return found;
      const row = found.value;
      if (row.status === "RESERVED") return locked(row, "archived");
      if (row.status === "TRADED" || row.status === "ARCHIVED") return illegal(row, "archived");
      return this.apply(tx, id, { status: "ARCHIVED" });
    });
  }

  private async apply(tx: Tx, id: string, set: Partial<ListingRow>): Promise<ListingOutcome> {
    const [row] = await tx
      .update(listings)
      .set({ ...set, ...bumped })
      .where(eq(listings.id, id))
      .returning();
    await enqueueIndexing(tx, [row!]);
    return accepted(row!);
  }

  /** The listing, locked for this change, when the caller owns it; NOT_FOUND hides others' drafts. */
  private async lockOwned(tx: Tx, caller: Caller, id: string): Promise<ListingOutcome> {
    const [row] = isUuid(id) ? await tx.select().from(listings).where(eq(listings.id, id)).for("update") : [];
    if (!row || !canSee(row, caller)) return refusal("NOT_FOUND", "This listing was not found.", "id");
    if (row.ownerId !== caller.userId) return refusal("FORBIDDEN", "Only the listing's owner may change it.", "id");
    return accepted(row);
  }
}

async function categoryById(tx: Tx, id: string): Promise<CategoryRow | null> {
  if (!isUuid(id)) return null;
  const [row] = await tx.select().from(categories).where(eq(categories.id, id));
  return row ?? null;
}

function unknownCategory(): Refusal {
  return invalid("input.categoryId", "Unknown category; choose one from `categories`.");
}

/** RESERVED (an accepted trade holds it) or TRADED (a trade took it): the owner may not change it. */
function locked(row: ListingRow, what: string): Refusal {
  const message =
    row.status === "RESERVED"
      ? `This listing is reserved for an accepted trade and cannot be ${what} until that trade is completed or cancelled.`
      : `A traded listing cannot be ${what}.`;
  return refusal("LISTING_LOCKED", message, "id");
}

/**
 * An admin took it down: editing it could sneak it past the takedown (and change what was
 * reported), so it stays as reported until an admin restores it. Archiving it is still allowed.
 */
function takenDown(what: string): Refusal {
  return refusal("LISTING_TAKEN_DOWN", `An administrator took this listing down; it cannot be ${what} unless an administrator restores it.`, "id");
}

/** The create input as a stable string: the same request always gives the same fingerprint. */
function fingerprintOf(input: CreateListingInput): string {
  const canonical = {
    title: input.title,
    description: input.description,
    categoryId: input.categoryId,
    condition: input.condition,
    creditPrice: input.creditPrice ?? null,
    location: input.location ? { lat: input.location.lat, lon: input.location.lon } : null,
    attributes: (input.attributes ?? []).map((a) => [a.key, a.value]),
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

function illegal(row: ListingRow, what: string): Refusal {
  return refusal("INVALID_TRANSITION", `This listing is ${row.status} and cannot be ${what}.`, "id");
}

/** Moving to another category keeps the attributes only if the new category allows them all. */
function refuseStrayAttributes(attributes: Record<string, string>, category: CategoryRow, problems: Refusal[]): void {
  const stray = Object.keys(attributes).filter((k) => !category.allowedAttributes.includes(k));
  if (stray.length > 0) {
    problems.push(invalid("input.attributes", `The ${category.name} category does not allow ${stray.join(", ")}; give attributes it allows.`));
  }
}
