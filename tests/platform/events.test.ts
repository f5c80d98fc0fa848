// Live events over a real Redis of the test's own, which the test pauses (SIGSTOP: the
// connection stays open and nothing answers) as a hung Redis would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisEventBus, type Logger } from "@localex/common";
import { freePort } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
let server: ChildProcess | undefined;
let port = 0;
let url = "";

/** Starts the test's own redis-server on `port`; resolves once it answers PING. */
async function startRedis(): Promise<void> {
  server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  // ioredis retries the connection until the server is up.
  const probe = new Redis(url, { maxRetriesPerRequest: 50 });
  probe.on("error", () => {});
  await probe.ping();
  probe.disconnect();
}

beforeAll(async () => {
  if (!hasRedis) return;
  port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  await startRedis();
});
afterAll(() => {
  server?.kill("SIGCONT");
  server?.kill("SIGKILL");
});

describe.skipIf(!hasRedis)(`events through Redis${hasRedis ? "" : " (SKIPPED: no redis-server on this machine)"}`, () => {
  it("publishes without waiting while Redis hangs, and delivers again once it is back", async () => {
    const publisher = new RedisEventBus(url, "t:");
    const subscriber = new RedisEventBus(url, "t:");
    const received: unknown[] = [];
    await subscriber.subscribe("trade:1", (payload) => received.push(payload));
    const arrived = async (n: number) => {
      for (let i = 0; i < 200 && received.length < n; i++) await new Promise((r) => setTimeout(r, 25));
      return received.length;
    };
    try {
      publisher.publish("trade:1", { id: "before" });
      expect(await arrived(1)).toBe(1);

      server!.kill("SIGSTOP");
      // Nothing to wait for: publish hands back nothing, so no caller can be held up by it.
      for (let i = 0; i < 100; i++) expect(publisher.publish("trade:1", { id: `during-${i}` })).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1500)); // past the publisher's command timeout
      server!.kill("SIGCONT");

      publisher.publish("trade:1", { id: "after" });
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
    await subscriber.subscribe("job:1", (payload) => received.push(payload));
    const until = async (check: () => boolean, what: string) => {
      for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!check()) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ changes, received })}`);
    };
    try {
      const stopped = new Promise((resolve) => server!.once("exit", resolve));
      server!.kill("SIGKILL");
      await stopped;
      await until(() => changes.includes("interrupted"), "the interruption");
      await startRedis();
      await until(() => changes.includes("resumed"), "the resumption");
      expect(changes).toEqual(["interrupted", "resumed"]);
      // Resubscribed by itself: an event published now arrives.
      for (let i = 0; i < 40 && received.length === 0; i++) {
        publisher.publish("job:1", { id: "after" });
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
      await publisher.publishRetained("sessions:ended", "before", 60);
      expect(await reader.recent("sessions:ended")).toContain("before");

      const stopped = new Promise((resolve) => server!.once("exit", resolve));
      server!.kill("SIGKILL");
      await stopped;
      void publisher.publishRetained("sessions:ended", "while-down", 60);
      // Its first write has failed (said so) before Redis is back.
      await eventually("the write failing while Redis is down", async () => said, (messages) => messages.some((m) => /retained event was not kept/.test(m)));
      await startRedis(); // an empty Redis (no persistence): only a retry can keep the id
      await eventually("the id kept once Redis is back", () => reader.recent("sessions:ended").catch(() => [] as string[]), (ids) => ids.includes("while-down"));
    } finally {
      await publisher.close();
      await reader.close();
    }
  }, 60_000);
});

