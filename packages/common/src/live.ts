import { EventEmitter, on } from "node:events";
import type { Changed, Topic } from "./contracts.ts";
import type { DeliveryState, EventBus } from "./events.ts";
import { apiError } from "./errors.ts";

/** What a live stream yields when this process stops (or starts again) receiving events. */
export class DeliveryNotice {
  constructor(readonly state: DeliveryState) {}
}

/**
 * A subscription field's resolver passes events through this: a DeliveryNotice becomes the
 * event's error (the subscription stays open), so subscribers learn that changes made while
 * delivery was interrupted were not delivered, and when it has resumed (time to refetch).
 */
export function deliveredOrNotice<T>(root: T | DeliveryNotice): T {
  if (!(root instanceof DeliveryNotice)) return root;
  throw root.state === "interrupted"
    ? apiError("LIVE_DELIVERY_INTERRUPTED", "Live updates are interrupted; changes made meanwhile will not be delivered. They resume by themselves.")
    : apiError("LIVE_DELIVERY_RESUMED", "Live updates have resumed; refetch what may have changed while they were interrupted.");
}

export interface LiveOptions<T, P> {
  /** What to deliver first, once listening (an entity's current state); null: nothing. */
  initial?: () => Promise<T | null>;
  /** What an event becomes for this subscriber; null skips it (not theirs to see). */
  next: (payload: P) => Promise<T | null>;
}

/**
 * A subscription's stream: listens to `topics` on the event bus before anything is read (so
 * nothing between the initial state and the first event is missed), then yields the initial
 * value and each event's value, in order, one at a time. Returning (the client went away)
 * removes every listener.
 */
export async function liveStream<T, P>(
  events: EventBus,
  topics: readonly Topic<P>[],
  options: LiveOptions<T, P>,
): Promise<AsyncIterableIterator<T | DeliveryNotice>> {
  const local = new EventEmitter();
  const abort = new AbortController();
  const incoming = on(local, "event", { signal: abort.signal });
  const unsubscribes = await Promise.all(topics.map((t) => events.subscribe(t, (payload) => local.emit("event", payload))));
  const stopNotices = events.onDeliveryChange((state) => local.emit("event", new DeliveryNotice(state)));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    abort.abort();
    stopNotices();
    await Promise.all(unsubscribes.map((u) => u()));
  };
  let first = options.initial ? await options.initial() : null;
  const iterator: AsyncIterableIterator<T | DeliveryNotice> = {
    async next(): Promise<IteratorResult<T | DeliveryNotice>> {
      if (first !== null) {
        const value = first;
        first = null;
        return { done: false, value };
      }
      while (!closed) {
        let event: IteratorResult<unknown[]>;
        try {
          event = await incoming.next();
        } catch {
          break; // aborted: the subscription ended
        }
        if (event.done) break;
        if (event.value[0] instanceof DeliveryNotice) return { done: false, value: event.value[0] };
        const value = await options.next(event.value[0] as P);
        if (value !== null) return { done: false, value };
      }
      return { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<T | DeliveryNotice>> {
      await close();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown): Promise<IteratorResult<T | DeliveryNotice>> {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/**
 * The id an event carries, or null for a malformed one: events arrive as JSON from Redis, where
 * anything sharing the channel prefix could have written them, so the type is checked once here.
 */
export function eventId(payload: Changed): string | null {
  const id = (payload as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : null;
}
