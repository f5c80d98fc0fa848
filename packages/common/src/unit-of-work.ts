/**
 * Effects that must follow a transaction's commit and never its rollback: a live event about a
 * change is announced only once the change is there for subscribers to read (Vendure's EventBus
 * publishes after commit the same way). Code that changes rows queues its announcement on the
 * transaction (`afterCommit`); `unitOfWork` runs them once the transaction has committed.
 */
const queues = new WeakMap<object, Map<string, () => void>>();

/**
 * Runs `work` in a transaction begun by `begin` (e.g. `(w) => db.transaction(w)`); the effects it
 * queued run after the commit, once each, in the order first queued. A transaction that fails
 * (and one run again by a retry around this call) drops what it queued.
 */
export async function unitOfWork<Tx extends object, R>(begin: (work: (tx: Tx) => Promise<R>) => Promise<R>, work: (tx: Tx) => Promise<R>): Promise<R> {
  let queued: Map<string, () => void> | undefined;
  const result = await begin(async (tx) => {
    queued = new Map();
    queues.set(tx, queued);
    return work(tx);
  });
  for (const effect of queued?.values() ?? []) effect();
  return result;
}

/**
 * Queues `effect` to run once `tx` commits; `key` names it, so what a transaction announces twice
 * (two changes to one trade) runs once. Throws for a transaction not begun by `unitOfWork`: an
 * announcement that could never run is a bug, found here rather than by a silent subscriber.
 */
export function afterCommit(tx: object, key: string, effect: () => void): void {
  const queued = queues.get(tx);
  if (!queued) throw new Error("afterCommit: this transaction was not begun by unitOfWork, so nothing would announce its change");
  if (!queued.has(key)) queued.set(key, effect);
}
