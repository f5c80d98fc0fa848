// A subgraph's subscription socket (packages/common/src/subscription-server.ts), reached through
// the gateway's own upstream client: each event is resolved in a context of its own (fresh
// loaders) for the same subscriber, and a subscription that ends releases its source at once.
import { createServer } from "node:http";
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallerKeyring, createLogger, serveSubscriptions, type Caller } from "@localex/common";
import { SubgraphSockets } from "../../gateway/src/subscriptions/upstream.ts";

interface Context {
  id: number;
  caller: Caller | null;
}

/** A source the test feeds by hand; `returned` settles when its subscription lets it go. */
class Source implements AsyncIterableIterator<number> {
  private waiting: ((result: IteratorResult<number>) => void) | null = null;
  private readonly queued: number[] = [];
  private release!: () => void;
  readonly returned = new Promise<void>((resolve) => (this.release = resolve));

  push(value: number): void {
    if (this.waiting) this.waiting({ done: false, value });
    else this.queued.push(value);
    this.waiting = null;
  }

  next(): Promise<IteratorResult<number>> {
    if (this.queued.length > 0) return Promise.resolve({ done: false, value: this.queued.shift()! });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<number>> {
    this.release();
    this.waiting?.({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

const keys = CallerKeyring.fromSeed("unit-test-seed-0123456789abcdef0123456789");
const ann: Caller = { userId: "11111111-1111-4111-8111-111111111111", role: "user", sessionId: "s1" };
const sources: Source[] = [];
/** The context each subscription's `subscribe` was given, by source. */
const subscribedIn = new Map<Source, Context>();
let contexts = 0;

const Tick = new GraphQLObjectType<number, Context>({
  name: "Tick",
  fields: {
    n: { type: GraphQLInt, resolve: (n) => n },
    context: { type: GraphQLInt, resolve: (_n, _args, ctx) => ctx.id },
    caller: { type: GraphQLString, resolve: (_n, _args, ctx) => ctx.caller?.userId ?? null },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
  subscription: new GraphQLObjectType<unknown, Context>({
    name: "Subscription",
    fields: {
      tick: {
        type: Tick,
        subscribe: (_root, _args, ctx) => {
          const source = new Source();
          sources.push(source);
          subscribedIn.set(source, ctx);
          return source;
        },
        resolve: (n) => n,
      },
    },
  }),
});

const server = createServer();
let served: { close(): Promise<void> };
let sockets: SubgraphSockets;
beforeAll(async () => {
  served = serveSubscriptions<Context>({
    httpServer: server,
    path: "/graphql",
    subgraph: "trades",
    schema,
    keys,
    createContext: (origin) => ({ id: ++contexts, caller: origin.caller }),
    log: createLogger("silent"),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  sockets = new SubgraphSockets(() => `http://127.0.0.1:${port}/graphql`, keys, createLogger("silent"));
});
afterAll(async () => {
  await sockets.close();
  await served.close();
  server.close();
});

type Tick = { n: number; context: number; caller: string | null };

/** Subscribes as `caller`; the results so far, a wait for the nth, and the way to stop. */
async function subscribe(caller: Caller | null) {
  const results: Tick[] = [];
  const errors: unknown[] = [];
  const wakes: (() => void)[] = [];
  const stop = await sockets.subscribe(
    "trades",
    { query: "subscription { tick { n context caller } }", variables: {} },
    { caller, clientAddress: null },
    {
      next: (r) => {
        results.push((r.data as { tick: Tick }).tick);
        wakes.splice(0).forEach((wake) => wake());
      },
      error: (e) => {
        errors.push(e);
        wakes.splice(0).forEach((wake) => wake());
      },
      complete: () => undefined,
    },
  );
  const nth = async (count: number): Promise<Tick[]> => {
    while (results.length < count) {
      if (errors.length > 0) throw new Error(`the subscription failed: ${JSON.stringify(errors)}`);
      await new Promise<void>((resolve) => wakes.push(resolve));
    }
    return results;
  };
  return { nth, stop };
}

/** The source of the subscription made last, once its `subscribe` has run. */
async function lastSource(before: number): Promise<Source> {
  while (sources.length === before) await new Promise((r) => setTimeout(r, 50));
  return sources.at(-1)!;
}

describe("a subgraph's subscription socket", () => {
  it("resolves each event in a context of its own, for the subscriber it was verified for", async () => {
    const before = sources.length;
    const sub = await subscribe(ann);
    const source = await lastSource(before);
    source.push(1);
    source.push(2);
    source.push(3);
    const ticks = await sub.nth(3);
    expect(ticks.map((t) => [t.n, t.caller])).toEqual([
      [1, ann.userId],
      [2, ann.userId],
      [3, ann.userId],
    ]);
    const ids = [subscribedIn.get(source)!.id, ...ticks.map((t) => t.context)];
    expect(new Set(ids).size).toBe(4); // the subscription's own context, then one per event
    // An anonymous subscriber's events are resolved as anonymous: the caller is the verified one.
    const anonymous = await subscribe(null);
    const theirs = await lastSource(before + 1);
    theirs.push(9);
    expect((await anonymous.nth(1))[0]).toMatchObject({ n: 9, caller: null });
    sub.stop();
    anonymous.stop();
    await Promise.all([source.returned, theirs.returned]);
  });

  it("lets the source go as soon as the subscriber stops, while it waits for an event", async () => {
    const before = sources.length;
    const sub = await subscribe(ann);
    const source = await lastSource(before);
    source.push(1);
    await sub.nth(1); // delivered: the server now waits on the source's next event
    sub.stop();
    await source.returned; // no event comes; only the stop can release it
  });
});
