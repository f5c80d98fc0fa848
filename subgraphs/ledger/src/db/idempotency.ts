import { createHash } from "node:crypto";
import type { Tx } from "./transaction.ts";

export type Claim<R> = { state: "new" } | { state: "replay"; result: R } | { state: "conflict"; requestHash: string };

/** A stable digest of a request: the same operation with the same input hashes the same. */
export function requestHash(operation: string, input: Record<string, unknown>): string {
  const canonical = JSON.stringify([
    operation,
    Object.keys(input)
      .sort()
      .map((k) => [k, input[k] ?? null]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Claims an idempotency key inside the transaction that does the work. A concurrent claim of
 * the same key waits on the unique index until the first transaction ends; if that one
 * committed, this one sees its stored result (a replay) and moves nothing.
 */
export async function claimKey<R>(tx: Tx, scope: string, key: string, hash: string): Promise<Claim<R>> {
  const inserted = await tx`
    insert into ledger.idempotency_keys (scope, key, request_hash) values (${scope}, ${key}, ${hash})
    on conflict do nothing returning 1 as claimed`;
  if (inserted.length > 0) return { state: "new" };
  const [row] = await tx<{ requestHash: string; result: R | null }[]>`
    select request_hash as "requestHash", result from ledger.idempotency_keys where scope = ${scope} and key = ${key}`;
  if (!row || row.result === null) throw new Error(`idempotency key ${scope}/${key} has no stored result`);
  return row.requestHash === hash ? { state: "replay", result: row.result } : { state: "conflict", requestHash: row.requestHash };
}

/** Stores the first result of a claimed key, in the same transaction. */
export async function storeResult(tx: Tx, scope: string, key: string, result: unknown): Promise<void> {
  await tx`update ledger.idempotency_keys set result = ${tx.json(result as never)} where scope = ${scope} and key = ${key}`;
}
