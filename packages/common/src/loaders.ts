import DataLoader from "dataloader";
import { isLostConnection, retry } from "./retry.ts";

/**
 * A batch read, run again when its connection died under it (a failover, a restart, a backend
 * terminated): a read changes nothing, so a second try is always safe, and the pool has opened
 * a new connection by then. Anything else fails the batch at once.
 */
async function readAgainOnLostConnection<T>(read: () => Promise<T>): Promise<T> {
  // The first try outside the retry machinery: it is every page's path, and almost always the only one.
  try {
    return await read();
  } catch (error) {
    if (!isLostConnection(error)) throw error;
    return retry(read, { attempts: 2, minDelayMs: 5, maxDelayMs: 100, maxElapsedMs: 2000, retryOn: isLostConnection });
  }
}

/**
 * A per-request loader of rows by key: one query per batch, results returned in key order
 * (null where a key has no row). `fetch` only reads: it runs again if its connection dies.
 */
export function rowLoader<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await readAgainOnLostConnection(() => fetch(keys));
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** A per-request loader of the rows belonging to each key (e.g. photos per listing). */
export function groupLoader<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const rows = await readAgainOnLostConnection(() => fetch(keys));
    const groups = new Map<K, V[]>();
    for (const row of rows) {
      const k = keyOf(row);
      const group = groups.get(k);
      if (group) group.push(row);
      else groups.set(k, [row]);
    }
    return keys.map((k) => groups.get(k) ?? []);
  });
}

/** UUIDs that are not well-formed never reach SQL (Postgres would raise a cast error). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
