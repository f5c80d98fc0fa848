// Local stand-ins for docker-compose's infrastructure containers, each a real server in a
// process of its own on a free loopback port: redis-server and s3rver (for MinIO); clamd is
// tests/harness/clamd.ts.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./databases.ts";

export interface StandIn {
  url: string;
  stop(): Promise<void>;
}

export const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Polls until `probe` is true, failing with the process's output if it exits first. */
async function until(what: string, child: ChildProcess, output: () => string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends `command` over TCP and resolves with whether the answer contains `expected`. */
function answers(port: number, command: string, expected: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on("connect", () => socket.write(command));
    socket.on("data", (c: Buffer) => {
      reply += c.toString();
      if (reply.includes(expected)) socket.end();
    });
    socket.on("close", () => resolve(reply.includes(expected)));
    socket.on("error", () => resolve(false));
  });
}

/** A redis-server of its own, nothing saved. */
export async function startRedisServer(): Promise<StandIn> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await until(
    "redis-server",
    child,
    () => "",
    () => answers(port, "PING\r\n", "PONG"),
  );
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

// s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 leaves to its
// legacy provider, so it runs in a Node process of its own with that provider on. It knows the
// access key the graph is given, and the bucket exists from the start (as minio-init makes it).
const S3RVER_SCRIPT = `
const S3rver = require("s3rver");
const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account");
DUMMY_ACCOUNT.createKeyPair(process.env.S3_ACCESS_KEY_ID, process.env.S3_SECRET_ACCESS_KEY);
new S3rver({ address: "127.0.0.1", port: Number(process.env.S3RVER_PORT), directory: process.env.S3RVER_DIRECTORY, silent: true, configureBuckets: [{ name: process.env.S3_BUCKET }] })
  .run()
  .then(() => process.stdout.write("listening\\n"));
`;

/** s3rver with `bucket`, accepting requests signed with this key pair. */
export async function startS3rver(options: { bucket: string; accessKeyId: string; secretAccessKey: string }): Promise<StandIn> {
  const directory = await mkdtemp(join(tmpdir(), "localex-s3rver-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", S3RVER_SCRIPT], {
    cwd: fileURLToPath(new URL("..", import.meta.url)), // tests/, whose node_modules has s3rver
    env: {
      PATH: process.env.PATH,
      S3RVER_PORT: String(port),
      S3RVER_DIRECTORY: directory,
      S3_BUCKET: options.bucket,
      S3_ACCESS_KEY_ID: options.accessKeyId,
      S3_SECRET_ACCESS_KEY: options.secretAccessKey,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  await until(
    "s3rver",
    child,
    () => output,
    async () => output.includes("listening"),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
