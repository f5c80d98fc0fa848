import { and, eq, gt, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { anyOfKeys, enqueueJob, readByKeys, TASKS, type Database } from "@localex/common";
import { suspensions, users, type IdentityTx, type schema, type SuspensionRow, type UserRow } from "../db/schema.ts";

/** A suspension in force: not lifted, and without an end or with one still ahead. */
const inForce = (): SQL => and(isNull(suspensions.liftedAt), or(isNull(suspensions.until), gt(suspensions.until, sql`now()`)))!;

/** The one scheduled "show the listings again" job of a suspension with an end; replaced or removed by the next change. */
const endJobKey = (userId: string) => `suspension-ends:${userId}`;
/** The member's notice that the suspension ended by itself, due at its end; replaced or removed with the showing job. */
const endNoticeKey = (userId: string) => `suspension-ends-notice:${userId}`;

/** Every SQL statement on `suspensions`, and the jobs that follow its writes into listings. */
export class SuspensionsStore {
  /** The suspensions in force of these members (one each at most); built and prepared once, as every member shown reads it. */
  readonly inForceFor: (userIds: readonly string[]) => Promise<SuspensionRow[]>;

  constructor(private readonly db: Database<typeof schema>) {
    this.inForceFor = readByKeys(
      db
        .select()
        .from(suspensions)
        .where(and(anyOfKeys(suspensions.userId, "uuid"), inForce()))
        .prepare("suspensions_in_force"),
    );
  }

  /** The member's row, locked for the rest of the transaction: suspensions, reinstatements and role changes of one member queue behind each other. */
  async lockMember(tx: IdentityTx, userId: string): Promise<UserRow | null> {
    const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
    return user ?? null;
  }

  async inForceOf(tx: IdentityTx, userId: string): Promise<SuspensionRow | null> {
    const [row] = await tx
      .select()
      .from(suspensions)
      .where(and(eq(suspensions.userId, userId), inForce()));
    return row ?? null;
  }

  /**
   * Stores a new suspension, lifting the member's previous one (lapsed or in force: at most one
   * row per member is not lifted), and queues listings' hiding of the member's listings; with an
   * end, also their showing again at that time.
   */
  async suspend(
    tx: IdentityTx,
    row: { userId: string; reason: string; until: Date | null; suspendedBy: string; reportId: string | null },
  ): Promise<SuspensionRow> {
    await tx
      .update(suspensions)
      .set({ liftedAt: sql`now()`, liftedBy: row.suspendedBy })
      .where(and(eq(suspensions.userId, row.userId), isNull(suspensions.liftedAt)));
    const [stored] = await tx.insert(suspensions).values(row).returning();
    // Listings' hide/show jobs of one member run one at a time, in the order queued (JOB_POLICIES: a queue per member).
    await enqueueJob(tx, TASKS.memberSuspension, { userId: row.userId, suspended: true });
    if (row.until) {
      await enqueueJob(tx, TASKS.memberSuspension, { userId: row.userId, suspended: false }, { runAt: row.until, jobKey: endJobKey(row.userId) });
      await enqueueJob(
        tx,
        TASKS.notify,
        { userId: row.userId, kind: "MEMBER_REINSTATED", key: `suspension-ended:${stored!.id}` },
        { runAt: row.until, jobKey: endNoticeKey(row.userId) },
      );
    } else {
      await removeJob(tx, endJobKey(row.userId));
      await removeJob(tx, endNoticeKey(row.userId));
    }
    return stored!;
  }

  /** Lifts the suspension in force, and queues listings' showing of the member's listings again (now, not at its end). */
  async lift(tx: IdentityTx, suspensionId: string, userId: string, liftedBy: string): Promise<SuspensionRow | null> {
    const [lifted] = await tx
      .update(suspensions)
      .set({ liftedAt: sql`now()`, liftedBy })
      .where(and(eq(suspensions.id, suspensionId), isNull(suspensions.liftedAt)))
      .returning();
    if (!lifted) return null;
    await removeJob(tx, endJobKey(userId));
    await removeJob(tx, endNoticeKey(userId));
    await enqueueJob(tx, TASKS.memberSuspension, { userId, suspended: false });
    return lifted;
  }
}

/** Removes a pending job by its key (graphile-worker's remove_job; nothing when there is none, or it is running). */
async function removeJob(tx: IdentityTx, jobKey: string): Promise<void> {
  await tx.execute(sql`select graphile_worker.remove_job(${jobKey})`);
}
