import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "./databases.ts";

/** Whether this machine has `redis-server` (tests that start their own skip, and say so, without it). */
export const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** A redis-server of the test's own (no persistence), which it may pause, kill and start again. */
export class OwnRedis {
  process: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts it (again, empty) on the same port; resolves once it answers PING. */
  async restart(): Promise<void> {
    this.process = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    // ioredis retries the connection until the server is up.
    const probe = new Redis(this.url, { maxRetriesPerRequest: 50 });
    probe.on("error", () => {});
    await probe.ping();
    probe.disconnect();
  }

  /** Kills it and resolves once it has exited. */
  async kill(): Promise<void> {
    const server = this.process;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const stopped = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGCONT");
    server.kill("SIGKILL");
    await stopped;
  }
}
