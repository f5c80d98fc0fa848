import { apiError, eventId, liveStream, TOPICS, type Caller, type DeliveryNotice, type EventBus } from "@localex/common";
import type { TradeRow } from "../db/schema.ts";
import { canSee } from "./rules.ts";
import type { TradeStore } from "./trade.store.ts";

/**
 * `tradeUpdated`: with an id, that trade's current state and then each change (its parties and
 * admins only); without, each change to any trade the caller is party to. Rows are read fresh
 * for each event (a subscription outlives any per-request cache).
 */
export async function followTrades(
  events: EventBus,
  store: TradeStore,
  caller: Caller | null,
  id: string | null,
): Promise<AsyncIterableIterator<TradeRow | DeliveryNotice>> {
  if (!caller) throw apiError("UNAUTHENTICATED", "Sign in to subscribe.");
  const visible = async (tradeId: string | null) => {
    const row = tradeId ? await store.current.load(tradeId) : null;
    return row && canSee(row, caller) ? row : null;
  };
  if (id === null) return liveStream(events, [TOPICS.userTrades(caller.userId)], { next: (payload) => visible(eventId(payload)) });
  if (!(await visible(id))) throw apiError("NOT_FOUND", `No Trade with id "${id}" is visible to you.`);
  return liveStream(events, [TOPICS.trade(id)], {
    initial: () => visible(id),
    next: (payload) => visible(eventId(payload) === id ? id : null),
  });
}
