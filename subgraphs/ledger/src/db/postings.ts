import { JOB_PAYLOADS, TASKS, type JobPayloadInput } from "@localex/common";
import type { Sql } from "@localex/common";
import type { Tx } from "./transaction.ts";

export interface LockedAccount {
  id: string;
  kind: "user" | "system";
  balance: number;
  held: number;
}

export type TransferKind = "transfer" | "grant" | "welcome" | "escrow";

/** One movement of credits from one account to another, as two postings. */
export interface Movement {
  id: string;
  kind: TransferKind;
  memo: string | null;
  initiator: string;
  fromId: string;
  toId: string;
  amount: number;
  createdAt: Date;
}

/**
 * Locks the accounts' rows in id order, the one order every transaction uses, so two
 * transactions on the same accounts queue instead of deadlocking. Missing ids are absent.
 */
export async function lockAccounts(tx: Tx, ids: string[]): Promise<Map<string, LockedAccount>> {
  const rows = await tx<{ id: string; kind: "user" | "system"; balance: string; held: string }[]>`
    select id, kind, balance, held from ledger.accounts where id in ${tx([...new Set(ids)])} order by id for update`;
  return new Map(rows.map((r) => [r.id, { id: r.id, kind: r.kind, balance: Number(r.balance), held: Number(r.held) }]));
}

/** What an account may spend; system accounts (issuance) may go below zero. */
export function availableOf(account: LockedAccount | undefined): number {
  if (!account) return 0;
  return account.kind === "system" ? Number.POSITIVE_INFINITY : account.balance - account.held;
}

/**
 * Posts a transfer inside the caller's transaction (`ledger.post_transfer`: locks both accounts
 * in id order, writes the transfer and its two postings, updates the cached balances).
 * `releaseHeld` is the part of the payer's held credits it consumes (a settled hold).
 */
export async function postTransfer(tx: Tx, m: Movement, releaseHeld = 0): Promise<void> {
  await tx`select ledger.post_transfer(${m.id}, ${m.kind}, ${m.memo}, ${m.initiator},
    ${m.fromId}, ${m.toId}, ${m.amount}, ${releaseHeld}, ${m.createdAt})`;
}

export type MoveOutcome<R> = { state: "done" | "replay"; result: R } | { state: "conflict" };

/**
 * An idempotent transfer in one statement (`ledger.move_credits`): claim the key, lock both
 * accounts, check the payer's available credits (and, with `lockedRefusal`, that their locked
 * welcome credits stay), post, and store `success`, `refusal` or `lockedRefusal` as the key's result. The statement is its own transaction; the database checks the postings balance at commit.
 */
export async function moveCredits<R>(
  sql: Sql | Tx,
  idempotency: { scope: string; key: string; hash: string },
  m: Movement,
  success: R,
  refusal: R,
  /** The recipient's `identity:notify` payload, enqueued only if the transfer is posted. */
  notify: JobPayloadInput<typeof TASKS.notify> | null = null,
  /** The result when only the payer's locked welcome credits would cover it; null lets them be spent. */
  lockedRefusal: R | null = null,
): Promise<MoveOutcome<R>> {
  const notification = notify ? JOB_PAYLOADS[TASKS.notify].parse(notify) : null;
  const [row] = await sql<{ outcome: MoveOutcome<R> }[]>`
    select ledger.move_credits(${idempotency.scope}, ${idempotency.key}, ${idempotency.hash},
      ${m.id}, ${m.kind}, ${m.memo}, ${m.initiator}, ${m.fromId}, ${m.toId}, ${m.amount}, ${m.createdAt},
      ${sql.json(success as never)}, ${sql.json(refusal as never)}, ${notification ? sql.json(notification as never) : null},
      ${lockedRefusal === null ? null : sql.json(lockedRefusal as never)}) as outcome`;
  // Seen when the connection is killed mid-statement: the outcome is unknown, and running the
  // keyed statement again is safe (see RETRYABLE in transaction.ts).
  if (!row) throw Object.assign(new Error("ledger.move_credits returned no row"), { code: "RESULT_LOST" });
  return row.outcome;
}
