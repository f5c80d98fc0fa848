// One suite over every event-bus adapter: what a publisher and a subscriber may count on,
// whichever carries the events (in-process when one process serves the graph, Redis when
// several do, the database when several do without Redis). Each adapter's own failure modes
// (Redis hung or restarted, the database connection lost) are in events.test.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { InProcessEventBus, PostgresEventBus, RedisEventBus, TOPICS, type EventBus, type Topic } from "@localex/common";
import { eventually } from "../harness/eventually.ts";
import { hasRedisServer, OwnRedis } from "../harness/redis-server.ts";

/** A publisher and a subscriber: two processes' buses over Redis or PostgreSQL, one bus in process. */
interface Adapter {
  name: string;
  available: boolean;
  pair(prefix: string): { publisher: EventBus; subscriber: EventBus };
}

let redis: OwnRedis | undefined;
beforeAll(async () => {
  if (hasRedisServer) redis = await OwnRedis.start();
});
afterAll(() => redis?.kill());

const adapters: Adapter[] = [
  {
    name: "in process",
    available: true,
    pair: () => {
      const bus = new InProcessEventBus();
      return { publisher: bus, subscriber: bus };
    },
  },
  {
    name: `Redis${hasRedisServer ? "" : " (SKIPPED: no redis-server on this machine)"}`,
    available: hasRedisServer,
    pair: (prefix) => ({ publisher: new RedisEventBus(redis!.url, prefix), subscriber: new RedisEventBus(redis!.url, prefix) }),
  },
  {
    name: "PostgreSQL (LISTEN/NOTIFY)",
    available: true,
    // The test graph's database: its own graph runs in one process, so nothing else uses the channel.
    pair: (prefix) => ({
      publisher: new PostgresEventBus(inject("databaseUrl"), prefix),
      subscriber: new PostgresEventBus(inject("databaseUrl"), prefix),
    }),
  },
];

/** Collects what a subscriber hears on `topic`. */
async function listen<P>(bus: EventBus, topic: Topic<P>): Promise<{ heard: P[]; stop: () => Promise<void> }> {
  const heard: P[] = [];
  const stop = await bus.subscribe(topic, (payload) => heard.push(payload));
  return { heard, stop };
}

let prefixes = 0;
for (const adapter of adapters) {
  describe.skipIf(!adapter.available)(`event bus: ${adapter.name}`, () => {
    let publisher: EventBus;
    let subscriber: EventBus;
    beforeAll(() => ({ publisher, subscriber } = adapter.pair(`bus${++prefixes}:`)));
    afterAll(async () => {
      await publisher?.close();
      await subscriber?.close();
    });

    it("delivers an event to the subscribers of its topic only, as JSON carries it", async () => {
      const mine = await listen(subscriber, TOPICS.trade("a"));
      const other = await listen(subscriber, TOPICS.trade("b"));
      publisher.publish(TOPICS.trade("a"), { id: "a", extra: new Date(0) } as { id: string });
      await eventually(
        "the event on its topic",
        async () => mine.heard,
        (heard) => heard.length === 1,
      );
      // A Date is a string on arrival, in process too: subscribers see what Redis would give them.
      expect(mine.heard).toEqual([{ id: "a", extra: "1970-01-01T00:00:00.000Z" }]);
      // The other topic's event, published after, arrives to its own subscriber (the control) and only there.
      publisher.publish(TOPICS.trade("b"), { id: "b" });
      await eventually(
        "the other topic's event",
        async () => other.heard,
        (heard) => heard.length === 1,
      );
      expect(other.heard).toEqual([{ id: "b" }]);
      expect(mine.heard).toHaveLength(1);
      await Promise.all([mine.stop(), other.stop()]);
    });

    it.skipIf(adapter.name === "in process")("keeps each deployment's events to itself (another prefix on the same server hears none)", async () => {
      const other = adapter.pair(`elsewhere${prefixes}:`);
      try {
        const theirs = await listen(other.subscriber, TOPICS.trade("shared"));
        const ours = await listen(subscriber, TOPICS.trade("shared"));
        publisher.publish(TOPICS.trade("shared"), { id: "ours" });
        other.publisher.publish(TOPICS.trade("shared"), { id: "theirs" });
        // Each hears its own deployment's event (the control), and only that one.
        await eventually(
          "each deployment's own event",
          async () => [ours.heard.length, theirs.heard.length],
          ([a, b]) => a === 1 && b === 1,
        );
        publisher.publish(TOPICS.trade("shared"), { id: "ours again" });
        await eventually(
          "our second event",
          async () => ours.heard,
          (heard) => heard.length === 2,
        );
        expect(ours.heard).toEqual([{ id: "ours" }, { id: "ours again" }]);
        expect(theirs.heard).toEqual([{ id: "theirs" }]);
        await Promise.all([ours.stop(), theirs.stop()]);
      } finally {
        await other.publisher.close();
        await other.subscriber.close();
      }
    });

    it("stops delivering to a subscriber that unsubscribed, and goes on delivering to the others", async () => {
      const leaving = await listen(subscriber, TOPICS.job("j"));
      const staying = await listen(subscriber, TOPICS.job("j"));
      publisher.publish(TOPICS.job("j"), { id: "1" });
      await eventually(
        "both hear the first",
        async () => [leaving.heard.length, staying.heard.length],
        ([a, b]) => a === 1 && b === 1,
      );
      await leaving.stop();
      publisher.publish(TOPICS.job("j"), { id: "2" });
      await eventually(
        "the one still subscribed hears the second",
        async () => staying.heard,
        (heard) => heard.length === 2,
      );
      expect(leaving.heard).toEqual([{ id: "1" }]);
      await staying.stop();
    });

    it("keeps a retained id for its time, for processes that start later, under its topic only", async () => {
      const reader = adapter.name === "in process" ? publisher : adapter.pair(`bus${prefixes}:`).subscriber;
      const otherDeployment = adapter.name === "in process" ? undefined : adapter.pair(`other${prefixes}:`).subscriber;
      const heard = await listen(subscriber, TOPICS.sessionsEnded);
      await publisher.publishRetained(TOPICS.sessionsEnded, "kept", 60);
      await publisher.publishRetained(TOPICS.sessionsEnded, "brief", 1);
      // Published as well as kept: live listeners hear it as `{ id }`.
      await eventually(
        "the live event",
        async () => heard.heard,
        (ids) => ids.length === 2,
      );
      expect(heard.heard).toEqual([{ id: "kept" }, { id: "brief" }]);
      expect((await reader.recent(TOPICS.sessionsEnded)).sort()).toEqual(["brief", "kept"]);
      expect(await reader.recent(TOPICS.job("kept"))).toEqual([]);
      // Another deployment on the same server (another prefix) keeps its own.
      if (otherDeployment) expect(await otherDeployment.recent(TOPICS.sessionsEnded)).toEqual([]);
      await eventually(
        "the brief id expired",
        () => reader.recent(TOPICS.sessionsEnded),
        (ids) => ids.length === 1,
        5_000,
      );
      expect(await reader.recent(TOPICS.sessionsEnded)).toEqual(["kept"]);
      await heard.stop();
      if (reader !== publisher) await reader.close();
      await otherDeployment?.close();
    });
  });
}

// Checked by `tsc` (part of `pnpm test`): each line must be a type error, or the build fails.
export function topicsAreTyped(bus: EventBus): void {
  // @ts-expect-error a topic's payload is its own: a trade event carries an id
  bus.publish(TOPICS.trade("a"), { tradeId: "a" });
  // @ts-expect-error a bare string is not a topic: topics are made in TOPICS only
  bus.publish("trade:a", { id: "a" });
  // @ts-expect-error a subscriber receives the topic's payload type
  void bus.subscribe(TOPICS.job("a"), (payload: { jobId: number }) => payload);
}
