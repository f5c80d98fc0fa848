// Live events over a real Redis of the test's own, which the test pauses (SIGSTOP: the
// connection stays open and nothing answers) as a hung Redis would; and over PostgreSQL, whose
// listening connection the test ends. What every adapter does alike is in event-bus.test.ts.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PostgresEventBus, RedisEventBus, TOPICS, type Logger } from "@localex/common";
import { eventually } from "../harness/eventually.ts";
import { hasRedisServer as hasRedis, OwnRedis } from "../harness/redis-server.ts";

let redis: OwnRedis;
let url = "";

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await OwnRedis.start();
  url = redis.url;
});
afterAll(() => redis?.kill());

describe.skipIf(!hasRedis)(`events through Redis${hasRedis ? "" : " (SKIPPED: no redis-server on this machine)"}`, () => {
  it("publishes without waiting while Redis hangs, and delivers again once it is back", async () => {
    const publisher = new RedisEventBus(url, "t:");
    const subscriber = new RedisEventBus(url, "t:");
    const received: unknown[] = [];
    await subscriber.subscribe(TOPICS.trade("1"), (payload) => received.push(payload));
    const arrived = async (n: number) => {
      for (let i = 0; i < 200 && received.length < n; i++) await new Promise((r) => setTimeout(r, 25));
      return received.length;
    };
    try {
      publisher.publish(TOPICS.trade("1"), { id: "before" });
      expect(await arrived(1)).toBe(1);

      redis.process!.kill("SIGSTOP");
      // Nothing to wait for: publish hands back nothing, so no caller can be held up by it.
      for (let i = 0; i < 100; i++) expect(publisher.publish(TOPICS.trade("1"), { id: `during-${i}` })).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1500)); // past the publisher's command timeout
      redis.process!.kill("SIGCONT");

      publisher.publish(TOPICS.trade("1"), { id: "after" });
      for (let i = 0; i < 200 && !received.some((p) => (p as { id: string }).id === "after"); i++) await new Promise((r) => setTimeout(r, 25));
      expect(received.at(-1)).toEqual({ id: "after" });
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  }, 30_000);

  it("tells subscribers when delivery stops because Redis went away, and when it resumes, and delivers again", async () => {
    const publisher = new RedisEventBus(url, "d:");
    const subscriber = new RedisEventBus(url, "d:");
    const changes: string[] = [];
    subscriber.onDeliveryChange((state) => changes.push(state));
    const received: unknown[] = [];
    await subscriber.subscribe(TOPICS.job("1"), (payload) => received.push(payload));
    const until = async (check: () => boolean, what: string) => {
      for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!check()) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ changes, received })}`);
    };
    try {
      await redis.kill();
      await until(() => changes.includes("interrupted"), "the interruption");
      await redis.restart();
      await until(() => changes.includes("resumed"), "the resumption");
      expect(changes).toEqual(["interrupted", "resumed"]);
      // Resubscribed by itself: an event published now arrives.
      for (let i = 0; i < 40 && received.length === 0; i++) {
        publisher.publish(TOPICS.job("1"), { id: "after" });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(received[0]).toEqual({ id: "after" });
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  }, 30_000);

  it("keeps a retained id published while Redis was down once it is back, so a process that missed the event still finds it", async () => {
    // What the publisher says about its retained writes (a stand-in for its logger).
    const said: string[] = [];
    const log = { warn: (_: unknown, message: string) => said.push(message), info: () => {}, debug: () => {} } as unknown as Logger;
    const publisher = new RedisEventBus(url, "r:", log);
    const reader = new RedisEventBus(url, "r:");
    try {
      // While Redis is up, kept by the time the publish resolves: another process finds it at once.
      await publisher.publishRetained(TOPICS.sessionsEnded, "before", 60);
      expect(await reader.recent(TOPICS.sessionsEnded)).toContain("before");

      await redis.kill();
      void publisher.publishRetained(TOPICS.sessionsEnded, "while-down", 60);
      // Its first write has failed (said so) before Redis is back.
      await eventually(
        "the write failing while Redis is down",
        async () => said,
        (messages) => messages.some((m) => /retained event was not kept/.test(m)),
      );
      await redis.restart(); // an empty Redis (no persistence): only a retry can keep the id
      await eventually(
        "the id kept once Redis is back",
        () => reader.recent(TOPICS.sessionsEnded).catch(() => [] as string[]),
        (ids) => ids.includes("while-down"),
      );
    } finally {
      await publisher.close();
      await reader.close();
    }
  }, 60_000);
});

describe("events through PostgreSQL (LISTEN/NOTIFY)", () => {
  it("tells subscribers when its database connection is lost and when it is back, and delivers again", async () => {
    const prefix = `lost${Date.now().toString(36)}:`;
    const publisher = new PostgresEventBus(inject("databaseUrl"), prefix);
    const subscriber = new PostgresEventBus(inject("databaseUrl"), prefix);
    const admin = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    const changes: string[] = [];
    subscriber.onDeliveryChange((state) => changes.push(state));
    const received: unknown[] = [];
    try {
      await subscriber.subscribe(TOPICS.job("1"), (payload) => received.push(payload));
      publisher.publish(TOPICS.job("1"), { id: "before" });
      await eventually(
        "the event before",
        async () => received,
        (r) => r.length === 1,
      );
      expect(subscriber.connected()).toBe(true);
      // The listener's connection ends (a restarted server, a failover, an operator's terminate).
      const ended = await admin<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${`localex events listener ${prefix}`}`;
      expect(ended[0]!.n).toBe(2); // the publisher's and the subscriber's listeners
      await eventually(
        "told of the interruption and of the resumption",
        async () => changes,
        (c) => c.length === 2,
      );
      expect(changes).toEqual(["interrupted", "resumed"]);
      expect(subscriber.connected()).toBe(true);
      // Listening again by itself: an event published now arrives.
      publisher.publish(TOPICS.job("1"), { id: "after" });
      await eventually(
        "the event after",
        async () => received,
        (r) => r.length === 2,
      );
      expect(received).toEqual([{ id: "before" }, { id: "after" }]);
    } finally {
      await publisher.close();
      await subscriber.close();
      await admin.end();
    }
  });
});
