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
  /** Held credits of the payer this movement consumes (a hold's settlement). */
  releaseHeld?: number;
}

/**
 * Locks the accounts' rows in id order, the one order every transaction uses, so two
 * transfers between the same accounts queue instead of deadlocking. Missing ids are absent.
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
 * Writes a transfer, its two postings (with the running balance after each) and the cached
 * balances in one statement; with `idempotent`, also the key's stored result. Both accounts
 * must be locked by `lockAccounts` in this transaction. The database checks at commit that
 * the postings sum to zero and that no user's available credits went below zero.
 */
export async function postTransfer(
  tx: Tx,
  locked: Map<string, LockedAccount>,
  m: Movement,
  idempotent?: { scope: string; key: string; result: unknown },
): Promise<void> {
  const from = locked.get(m.fromId);
  const to = locked.get(m.toId);
  if (!from || !to) throw new Error(`postTransfer: accounts ${m.fromId} and ${m.toId} must be locked first`);
  const release = m.releaseHeld ?? 0;
  const storeKey = idempotent
    ? tx`, k as (update ledger.idempotency_keys set result = ${tx.json(idempotent.result as never)}
          where scope = ${idempotent.scope} and key = ${idempotent.key})`
    : tx``;
  await tx`
    with t as (
      insert into ledger.transfers (id, kind, memo, initiator, created_at)
      values (${m.id}, ${m.kind}, ${m.memo}, ${m.initiator}, ${m.createdAt})
    ), p as (
      insert into ledger.postings (transfer_id, account_id, counterparty_id, amount, balance_after, created_at)
      values (${m.id}, ${m.fromId}, ${m.toId}, ${-m.amount}, ${from.balance - m.amount}, ${m.createdAt}),
             (${m.id}, ${m.toId}, ${m.fromId}, ${m.amount}, ${to.balance + m.amount}, ${m.createdAt})
    ), a as (
      update ledger.accounts as acc
      set balance = acc.balance + v.delta, held = acc.held - v.released, updated_at = ${m.createdAt}
      from (values (${m.fromId}::uuid, ${-m.amount}::bigint, ${release}::bigint),
                   (${m.toId}::uuid, ${m.amount}::bigint, 0::bigint)) as v (id, delta, released)
      where acc.id = v.id
    )${storeKey}
    select 1`;
  from.balance -= m.amount;
  from.held -= release;
  to.balance += m.amount;
}
