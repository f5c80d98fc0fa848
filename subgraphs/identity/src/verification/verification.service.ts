import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import {
  accepted,
  decodeInstantCursor,
  enqueueJob,
  isUuid,
  recordAdminAct,
  refusal,
  TASKS,
  textProblem,
  toConnection,
  unavailable,
  type Connection,
  type Database,
  type InternalClient,
  type Outcome,
} from "@localex/common";
import { users, verificationRequests, type schema, type VerificationRequestRow } from "../db/schema.ts";
import { verificationDocuments } from "./media-client.ts";

export const MAX_DOCUMENTS = 2;
export const MAX_REASON = 500;

type Status = VerificationRequestRow["status"];

/**
 * Verification with private documents (issue 12): a member submits one or two of their own
 * processed DOCUMENT uploads; an admin approves (User.verified) or rejects with a reason. The
 * member is notified either way, and the documents are deleted a configured time after the
 * decision, by a media job enqueued in the deciding transaction.
 */
export class VerificationService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly internal: InternalClient,
    private readonly retentionHours: number,
  ) {}

  async submit(userId: string, documentIds: string[]): Promise<Outcome<VerificationRequestRow>> {
    const ids = [...new Set(documentIds)];
    if (ids.length < 1 || ids.length > MAX_DOCUMENTS) return refusal("INVALID_INPUT", `Send one or two documents (${ids.length} given).`, "documentIds");
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user || user.deletionRequestedAt) return refusal("NOT_FOUND", "Your account no longer exists.");
    if (user.verified) return refusal("ALREADY_VERIFIED", "You are already verified.");
    const ready = await verificationDocuments(this.internal, userId, ids).catch((e: unknown) => Promise.reject(unavailable("media", e)));
    const missing = ids.filter((id) => !ready.includes(id));
    if (missing.length > 0) {
      return refusal(
        "DOCUMENT_NOT_READY",
        `Not one of your processed private documents (upload with purpose DOCUMENT and wait for READY): ${missing.join(", ")}.`,
        "documentIds",
      );
    }
    const [row] = await this.db
      .insert(verificationRequests)
      .values({ userId, documentIds: ids })
      .onConflictDoNothing() // the one-PENDING-per-member index: a double click makes one request
      .returning();
    if (!row) return refusal("ALREADY_PENDING", "You already have a request waiting for an admin.");
    return accepted(row);
  }

  async latestOf(userId: string): Promise<VerificationRequestRow | null> {
    const [row] = await this.db
      .select()
      .from(verificationRequests)
      .where(eq(verificationRequests.userId, userId))
      .orderBy(sql`${verificationRequests.submittedAt} desc`)
      .limit(1);
    return row ?? null;
  }

  /** The admins' queue: oldest first, so requests are decided in the order they came. */
  async page(status: Status, first: number, after: string | null): Promise<Connection<VerificationRequestRow>> {
    const cursor = decodeInstantCursor(after);
    const page: SQL | undefined = cursor
      ? sql`(${verificationRequests.submittedAt}, ${verificationRequests.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
      : undefined;
    const filter = eq(verificationRequests.status, status);
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(verificationRequests)
        .where(and(filter, page))
        .orderBy(asc(verificationRequests.submittedAt), asc(verificationRequests.id))
        .limit(first + 1),
      this.db.select({ n: sql<number>`count(*)::int` }).from(verificationRequests).where(filter),
    ]);
    return toConnection(rows, first, (r) => [r.submittedAt.toISOString(), r.id], count?.n ?? 0, cursor !== null);
  }

  async byId(id: string): Promise<VerificationRequestRow | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.select().from(verificationRequests).where(eq(verificationRequests.id, id));
    return row ?? null;
  }

  /**
   * Approves or rejects a PENDING request, once: of two admins deciding at the same moment, one
   * wins and the other is told ALREADY_DECIDED. In the same transaction: the member's flag, their
   * notification, the documents' deletion job and the audit entry.
   */
  async decide(adminId: string, id: string, decision: { approve: true } | { approve: false; reason: string }): Promise<Outcome<VerificationRequestRow>> {
    let reason: string | null = null;
    if (!decision.approve) {
      reason = decision.reason.normalize("NFC").trim();
      const problem = textProblem(reason, { label: "The reason", max: MAX_REASON, min: 1, multiline: true });
      if (problem) return refusal("INVALID_INPUT", problem, "reason");
    }
    const existing = await this.byId(id);
    if (!existing) return refusal("NOT_FOUND", "There is no such verification request.", "id");
    return this.db.transaction(async (tx): Promise<Outcome<VerificationRequestRow>> => {
      const [row] = await tx
        .update(verificationRequests)
        .set({ status: decision.approve ? "APPROVED" : "REJECTED", reason, decidedBy: adminId, decidedAt: sql`now()` })
        .where(and(eq(verificationRequests.id, id), eq(verificationRequests.status, "PENDING")))
        .returning();
      if (!row)
        return refusal("ALREADY_DECIDED", `This request was already ${existing.status === "PENDING" ? "decided" : existing.status.toLowerCase()}.`, "id");
      if (decision.approve) await tx.update(users).set({ verified: true, updatedAt: sql`now()` }).where(eq(users.id, row.userId));
      await enqueueJob(tx, TASKS.notify, {
        userId: row.userId,
        kind: decision.approve ? "VERIFICATION_APPROVED" : "VERIFICATION_REJECTED",
        key: `verification:${row.id}`,
        verificationRequestId: row.id,
        details: reason ? { reason } : {},
      });
      const runAt = new Date(row.decidedAt!.getTime() + this.retentionHours * 3_600_000);
      await enqueueJob(tx, TASKS.deleteDocuments, { ownerId: row.userId, mediaIds: row.documentIds }, { runAt, jobKey: `verification-documents:${row.id}` });
      await recordAdminAct(tx, {
        admin: adminId,
        action: decision.approve ? "VERIFICATION_APPROVED" : "VERIFICATION_REJECTED",
        subject: { kind: "VERIFICATION_REQUEST", id: row.id },
        members: [row.userId],
        reason,
        details: {},
      });
      return accepted(row);
    });
  }
}
