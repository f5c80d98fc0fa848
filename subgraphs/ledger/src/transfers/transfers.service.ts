import { randomUUID } from "node:crypto";
import { accepted, recordAdminAct, refusal, type AdminAct, type Outcome, type Sql } from "@localex/common";
import type { AccountsService } from "../accounts/accounts.service.ts";
import { requestHash } from "../db/idempotency.ts";
import { moveCredits, type TransferKind } from "../db/postings.ts";
import { ISSUANCE_ACCOUNT_ID } from "../db/schema.ts";
import { retrying, type Tx } from "../db/transaction.ts";
import { WELCOME_GRANT } from "./limits.ts";
import { fromStored, toStored } from "./stored-result.ts";
import { checkAmount, checkIdempotencyKey, checkMemo, normaliseMemo } from "./validation.ts";

/** A transfer as stored with its idempotency key and returned to the client. */
export interface TransferRecord {
  id: string;
  kind: TransferKind;
  amount: number;
  memo: string | null;
  /** Null when the credits came from a system account (issuance). */
  fromUserId: string | null;
  toUserId: string;
  createdAt: string;
}

export type TransferResult = Outcome<TransferRecord>;

interface MoveRequest {
  scope: string;
  key: string;
  hash: string;
  kind: TransferKind;
  initiator: string;
  fromId: string;
  toId: string;
  amount: number;
  memo: string | null;
  /** The input field a refusal for lack of funds names. */
  amountField: string;
  /** A member's transfer: their welcome credits stay until they complete a trade (WELCOME_CREDITS_NOT_TRANSFERABLE). */
  keepWelcomeCredits?: boolean;
  /** An admin's act: its audit entry, appended in the transaction that posts it (never on a replay or a refusal). */
  audit?: (transfer: TransferRecord) => AdminAct;
}

export class TransfersService {
  constructor(
    private readonly sql: Sql,
    private readonly accounts: AccountsService,
  ) {}

  /**
   * A member sends credits to another, named by id or by handle (identity says whose it is);
   * keys are scoped to the sender, and the request hash names the recipient's id, so a replay
   * by handle or by id of the same transfer is the same request.
   */
  async transferCredits(
    callerId: string,
    input: { toUserId?: string | null; toHandle?: string | null; amount: number; memo?: string | null },
    idempotencyKey: string,
  ): Promise<TransferResult> {
    const memo = normaliseMemo(input.memo);
    const byHandle = input.toHandle != null;
    const recipientField = byHandle ? "input.toHandle" : "input.toUserId";
    const problem =
      checkIdempotencyKey(idempotencyKey) ??
      ((input.toUserId != null) === byHandle ? refusal("INVALID_INPUT", "Name the recipient by toUserId or by toHandle (one of the two).", "input") : null) ??
      checkAmount(input.amount, "input.amount") ??
      checkMemo(memo, "input.memo", false);
    if (problem) return problem;
    const toUserId = byHandle ? await this.accounts.idForHandle(input.toHandle!) : input.toUserId!;
    if (toUserId === null) {
      return refusal("RECIPIENT_NOT_FOUND", "There is no member with that handle.", recipientField);
    }
    if (toUserId === callerId) return refusal("SELF_TRANSFER", "You cannot send credits to yourself.", recipientField);
    if (!(await this.accounts.openForUser(toUserId))) {
      return refusal("RECIPIENT_NOT_FOUND", `There is no member with that ${byHandle ? "handle" : "id"}.`, recipientField);
    }
    const { amount } = input;
    return this.move({
      scope: callerId,
      key: idempotencyKey,
      hash: requestHash("transferCredits", { toUserId, amount, memo }),
      kind: "transfer",
      initiator: callerId,
      fromId: callerId,
      toId: toUserId,
      amount,
      memo,
      amountField: "input.amount",
      keepWelcomeCredits: true,
    });
  }

  /** An admin issues new credits to a member; keys are scoped to the admin. */
  async grantCredits(adminId: string, userId: string, amount: number, rawMemo: string, idempotencyKey: string): Promise<TransferResult> {
    const memo = normaliseMemo(rawMemo);
    const problem = checkIdempotencyKey(idempotencyKey) ?? checkAmount(amount, "amount") ?? checkMemo(memo, "memo", true);
    if (problem) return problem;
    if (!(await this.accounts.openForUser(userId))) {
      return refusal("RECIPIENT_NOT_FOUND", "There is no member with that id.", "userId");
    }
    return this.move({
      scope: adminId,
      key: idempotencyKey,
      hash: requestHash("grantCredits", { userId, amount, memo }),
      kind: "grant",
      initiator: adminId,
      fromId: ISSUANCE_ACCOUNT_ID,
      toId: userId,
      amount,
      memo,
      amountField: "amount",
      audit: (transfer) => ({
        admin: adminId,
        action: "CREDITS_GRANTED",
        subject: { kind: "TRANSFER", id: transfer.id },
        members: [userId],
        reason: memo,
        details: { amount },
      }),
    });
  }

  /** The `ledger:welcome-grant` job: once per user, however often the job runs. */
  async welcomeGrant(userId: string): Promise<TransferResult> {
    await this.accounts.ensureUserAccount(userId);
    return this.move({
      scope: "system",
      key: `welcome:${userId}`,
      hash: requestHash("welcomeGrant", { userId }),
      kind: "welcome",
      initiator: "system",
      fromId: ISSUANCE_ACCOUNT_ID,
      toId: userId,
      amount: WELCOME_GRANT,
      memo: "Welcome to LocalEx",
      amountField: "amount",
    });
  }

  /**
   * One statement, one transaction (`ledger.move_credits`): claim the key (a replay returns the
   * stored result), lock both accounts in id order, check funds, post, store the result (in its
   * stored format, which a replay reads back).
   */
  private async move(r: MoveRequest): Promise<TransferResult> {
    const createdAt = new Date();
    const transfer: TransferRecord = {
      id: randomUUID(),
      kind: r.kind,
      amount: r.amount,
      memo: r.memo,
      fromUserId: r.fromId === ISSUANCE_ACCOUNT_ID ? null : r.fromId,
      toUserId: r.toId,
      createdAt: createdAt.toISOString(),
    };
    const success = toStored(accepted(transfer));
    const poor = toStored(refusal("INSUFFICIENT_FUNDS", "You do not have enough available credits.", r.amountField));
    // The recipient hears of it, once: the job is keyed by the transfer.
    const notify = {
      userId: r.toId,
      kind: "CREDITS_RECEIVED" as const,
      key: `transfer:${transfer.id}:${r.toId}`,
      transferId: transfer.id,
      details: (r.memo ? { amount: r.amount, memo: r.memo } : { amount: r.amount }) as Record<string, string | number>,
    };
    const locked = r.keepWelcomeCredits
      ? toStored(
          refusal(
            "WELCOME_CREDITS_NOT_TRANSFERABLE",
            "Welcome credits can be spent in trades, but sent to another member only once you have completed a trade.",
            r.amountField,
          ),
        )
      : null;
    const post = (sql: Sql | Tx) => moveCredits(sql, r, { ...r, id: transfer.id, createdAt }, success, poor, notify, locked);
    const audit = r.audit;
    const outcome = await retrying(() =>
      audit
        ? // The posting and its audit entry commit together: a first post records, a replay or refusal does not.
          (this.sql.begin(async (tx) => {
            const moved = await post(tx);
            if (moved.state === "done" && moved.result.ok) await recordAdminAct(tx, audit(moved.result.transfer));
            return moved;
          }) as Promise<Awaited<ReturnType<typeof post>>>)
        : post(this.sql),
    );
    if (outcome.state !== "conflict") return fromStored(outcome.result);
    return refusal("IDEMPOTENCY_CONFLICT", "This idempotency key was already used for a different request; use a new key.", "idempotencyKey");
  }
}
