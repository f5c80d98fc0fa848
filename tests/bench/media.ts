// `pnpm bench:media`: what media costs, next to what the tools underneath cost on their own.
//   (a) the three WebP variants of a 12-megapixel JPEG through renderResizedVariants, next to
//       sharp's three resize pipelines from the file; medians of several runs.
//   (b) a 100 MB PNG uploaded through the gateway (in a process of its own, `pnpm serve
//       gateway`) next to the same upload straight to the media subgraph: throughput of each,
//       and the gateway's peak RSS growth while it streams the file on.
//   (c) a 5 MB photo, from the first byte sent through the gateway to its job SUCCEEDED.
// Starts its own stack on a fresh database on DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/postgres), which it drops afterwards.
//   BENCH_VARIANT_RUNS (default 7), BENCH_UPLOAD_RUNS (default 5), BENCH_READY_RUNS (default 5)
//   BENCH_PARTS   which of a, b, c to run (default "abc")
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CALLER_HEADER, callerKeysFor, createLogger, loadConfig, signCallerToken, verifyAccessToken, type Config } from "@localex/common";
import { startStack } from "@localex/stack";
import { renderResizedVariants, renderVariants, VARIANT_LONG_EDGE } from "../../subgraphs/media/src/processing/index.ts";
import { sharp } from "../../subgraphs/media/src/processing/sharp.ts";
import { ANY_PORTS, freePort, freshDatabase } from "../harness/databases.ts";
import { postMultipart, type MultipartResponse } from "../media/multipart-client.ts";
import { processCpuMs } from "./cpu.ts";
import { BENCH_RATE_LIMITS, gql, stage, type Session } from "./support.ts";
import { LOAD_TYPESCRIPT } from "../harness/pieces.ts";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const VARIANT_RUNS = Number(process.env.BENCH_VARIANT_RUNS ?? 7);
const UPLOAD_RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 5);
const READY_RUNS = Number(process.env.BENCH_READY_RUNS ?? 5);
const PARTS = process.env.BENCH_PARTS ?? "abc";
const MiB = 1024 * 1024;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

// ---- images --------------------------------------------------------------------------------

/** A 4000 × 3000 JPEG that compresses like a camera photo: smooth colour blobs plus sensor grain; about 5 MB. */
async function cameraJpeg(path: string): Promise<void> {
  const [width, height] = [4000, 3000];
  const noise = (w: number, h: number, sigma: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma } } });
  const pixels = await noise(200, 150, 60).resize(width, height, { kernel: "cubic" }).raw().toBuffer();
  const grain = await noise(width, height, 16).raw().toBuffer();
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, pixels[i]! + grain[i]! - 128));
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 88 })
    .toFile(path);
}

/** A PNG of random RGB pixels, `side` × `side`: it does not compress, so it is as big as its pixels (5800² × 3 ≈ 100 MB). */
async function noisePng(path: string, side: number): Promise<void> {
  const pixels = randomBytes(side * side * 3);
  await sharp(pixels, { raw: { width: side, height: side, channels: 3 }, limitInputPixels: false })
    .png({ compressionLevel: 1 })
    .toFile(path);
}

// ---- (a) variants --------------------------------------------------------------------------

/** sharp's own way to the same three WebPs: one pipeline per variant, from the file. */
function rawSharpVariants(input: string, outDir: string, sideBySide: boolean): Promise<unknown> {
  const one = (name: keyof typeof VARIANT_LONG_EDGE) => {
    const edge = VARIANT_LONG_EDGE[name];
    return sharp(input, { autoOrient: true })
      .resize({ width: edge, height: edge, fit: "inside", withoutEnlargement: true })
      .webp({ quality: 80 })
      .toFile(join(outDir, `raw-${name.toLowerCase()}.webp`));
  };
  const names = ["LARGE", "MEDIUM", "THUMBNAIL"] as const;
  if (sideBySide) return Promise.all(names.map(one));
  return names.reduce<Promise<unknown>>((previous, name) => previous.then(() => one(name)), Promise.resolve());
}

async function benchVariants(photo: string, work: string): Promise<void> {
  const options = { maxPixels: 50_000_000 };
  const candidates: Record<string, () => Promise<unknown>> = {
    "renderResizedVariants (ours)": () => renderResizedVariants(photo, join(work, "ours"), options),
    "sharp, 3 pipelines side by side": () => rawSharpVariants(photo, work, true),
    "sharp, 3 pipelines one after another": () => rawSharpVariants(photo, work, false),
    "renderVariants (ours, + ORIGINAL)": () => renderVariants(photo, join(work, "ours-all"), options),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
  for (const run of Object.values(candidates)) await run(); // warm-up: libvips loads, V8 compiles
  // Interleaved rounds, so the machine's other load weighs on each alike.
  for (let round = 0; round < VARIANT_RUNS; round++) {
    for (const [name, run] of Object.entries(candidates)) times[name]!.push(await timed(run));
  }
  const { size } = await stat(photo);
  console.log(
    `\n(a) THUMBNAIL, MEDIUM, LARGE (WebP) of a 4000 × 3000 JPEG (${mb(size)}); median of ${VARIANT_RUNS}, libvips concurrency ${sharp.concurrency()}`,
  );
  for (const [name, list] of Object.entries(times)) console.log(`  ${name.padEnd(40)} ${seconds(median(list))}  (min ${seconds(Math.min(...list))})`);
  const ours = median(times["renderResizedVariants (ours)"]!);
  const raw = Math.min(median(times["sharp, 3 pipelines side by side"]!), median(times["sharp, 3 pipelines one after another"]!));
  console.log(`  ratio ours / best raw sharp: ${(ours / raw).toFixed(2)} (target ≤ 1.2)`);
}

// ---- the stack and a gateway process -------------------------------------------------------

/** `pnpm serve gateway` in a child process, in front of the stack's subgraphs; resolves once it answers /health. */
async function startGatewayProcess(env: Record<string, string>, subgraphUrls: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const urls = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url]));
  const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, "packages/stack/src/serve.ts", "gateway"], {
    env: { ...process.env, ...env, ...urls, PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the gateway process exited with ${child.exitCode}`);
    if (
      await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, url: `http://127.0.0.1:${port}/graphql` };
    await sleep(100);
  }
  child.kill();
  throw new Error("the gateway process did not start");
}

/** Resident memory of a process: now, and its peak since the last reset (Linux /proc). */
const memory = {
  resetPeak(pid: number): boolean {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets VmHWM to the current RSS
      return true;
    } catch {
      return false;
    }
  },
  read(pid: number, field: "VmRSS" | "VmHWM"): number {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : NaN;
  },
};

const UPLOAD_AVATAR = `mutation ($file: Upload!) { uploadAvatar(file: $file) { media { id byteSize job { id } } errors { code message } } }`;
type UploadAnswer = MultipartResponse<{
  uploadAvatar: { media: { id: string; byteSize: number; job: { id: string } } | null; errors: { code: string; message: string }[] };
}>;

function upload(url: string, path: string, headers: Record<string, string>): Promise<UploadAnswer> {
  return postMultipart(url, {
    operations: { query: UPLOAD_AVATAR, variables: { file: null } },
    map: { "0": ["variables.file"] },
    files: [{ field: "0", filename: path.split("/").at(-1)!, contentType: path.endsWith(".png") ? "image/png" : "image/jpeg", content: { path } }],
    headers,
  });
}

function jobOf(answer: UploadAnswer): string {
  const media = answer.data?.uploadAvatar.media;
  if (!media) throw new Error(`upload failed: HTTP ${answer.status} ${JSON.stringify(answer.errors ?? answer.data)}`);
  return media.job.id;
}

/** Waits for the job to end (polling every 20 ms); its processing would otherwise share the CPU with the next measurement. */
async function untilJobEnds(gateway: string, token: string, jobId: string): Promise<string> {
  for (;;) {
    const { job } = await gql<{ job: { status: string } }>(gateway, `query ($id: ID!) { job(id: $id) { status } }`, { id: jobId }, token);
    if (job.status === "SUCCEEDED" || job.status === "FAILED") return job.status;
    await sleep(20);
  }
}

// ---- (b) a 100 MB upload, through the gateway and straight to the subgraph ------------------

async function benchBigUpload(gateway: { child: ChildProcess; url: string }, mediaUrl: string, config: Config, png: string): Promise<void> {
  const pid = gateway.child.pid!;
  const { size } = await stat(png);
  const { register } = await gql<Session<"register">>(gateway.url, `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
    input: { email: `bench-${Date.now()}@localex.bench`, password: "correct horse battery", displayName: "Bench" },
  });
  const token = register.accessToken;
  const caller = await verifyAccessToken(config.auth.jwtSecret, token);
  const viaGateway = { authorization: `Bearer ${token}` };
  const direct = async () => ({
    [CALLER_HEADER]: await signCallerToken(callerKeysFor(config.callers, "graph"), caller, { signer: "gateway", audience: "media" }),
  });

  stage("(b) warm-up uploads");
  // Twice through the gateway: its first uploads run before V8 has optimised the streaming path.
  for (const url of [gateway.url, gateway.url, mediaUrl]) {
    const answer = await upload(url, png, url === mediaUrl ? await direct() : viaGateway);
    await untilJobEnds(gateway.url, token, jobOf(answer));
  }

  const throughput: Record<"gateway" | "direct", number[]> = { gateway: [], direct: [] };
  const growth: number[] = [];
  const gatewayCpu: number[] = [];
  const peakTracked = memory.resetPeak(pid);
  for (let round = 0; round < UPLOAD_RUNS; round++) {
    // Alternating which goes first, so neither always follows the other's leftovers.
    const order = round % 2 ? (["direct", "gateway"] as const) : (["gateway", "direct"] as const);
    for (const path of order) {
      stage(`(b) round ${round + 1}: ${path}`);
      let answer: UploadAnswer | undefined;
      if (path === "gateway") {
        memory.resetPeak(pid);
        const before = memory.read(pid, "VmRSS");
        const cpuBefore = processCpuMs(pid);
        throughput.gateway.push(size / (await timed(async () => (answer = await upload(gateway.url, png, viaGateway)))) / 1000);
        gatewayCpu.push(processCpuMs(pid) - cpuBefore);
        growth.push(Math.max(0, memory.read(pid, peakTracked ? "VmHWM" : "VmRSS") - before)); // below 0 only by RSS moving between the reads
      } else {
        const headers = await direct();
        throughput.direct.push(size / (await timed(async () => (answer = await upload(mediaUrl, png, headers)))) / 1000);
      }
      await untilJobEnds(gateway.url, token, jobOf(answer!));
    }
  }
  const [g, d] = [median(throughput.gateway), median(throughput.direct)];
  console.log(`\n(b) a ${mb(size)} PNG (5800 × 5800 noise), uploadAvatar, chunked from disk; median of ${UPLOAD_RUNS}`);
  console.log(`  through the gateway (own process)   ${g.toFixed(1)} MB/s   (each: ${throughput.gateway.map((v) => v.toFixed(1)).join(", ")})`);
  console.log(`  straight to the media subgraph      ${d.toFixed(1)} MB/s   (each: ${throughput.direct.map((v) => v.toFixed(1)).join(", ")})`);
  console.log(`  ratio gateway / direct: ${(g / d).toFixed(2)} (target ≥ 0.5)`);
  console.log(
    `  gateway peak RSS growth during the upload: max ${mb(Math.max(...growth))} (each: ${growth.map(mb).join(", ")}; ${peakTracked ? "VmHWM after clear_refs" : "VmRSS after, no peak tracking"}) (target ≤ 64 MB)`,
  );
  console.log(`  gateway CPU per upload: median ${seconds(median(gatewayCpu))}`);
}

// ---- (c) upload to READY ---------------------------------------------------------------------

async function benchUploadToReady(gatewayUrl: string, photo: string): Promise<void> {
  const { size } = await stat(photo);
  const { register } = await gql<Session<"register">>(gatewayUrl, `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
    input: { email: `bench-ready-${Date.now()}@localex.bench`, password: "correct horse battery", displayName: "Bench" },
  });
  const token = register.accessToken;
  const times: number[] = [];
  const uploadOnly: number[] = [];
  for (let run = 0; run <= READY_RUNS; run++) {
    const started = performance.now();
    const answer = await upload(gatewayUrl, photo, { authorization: `Bearer ${token}` });
    const uploaded = performance.now() - started;
    const status = await untilJobEnds(gatewayUrl, token, jobOf(answer));
    if (status !== "SUCCEEDED") throw new Error(`the photo's job ${status}`);
    if (run === 0) continue; // warm-up
    times.push(performance.now() - started);
    uploadOnly.push(uploaded);
  }
  console.log(`\n(c) a ${mb(size)} 12-MP JPEG through the gateway, first byte sent to job SUCCEEDED (polled every 20 ms); median of ${READY_RUNS}`);
  console.log(
    `  upload to READY ${seconds(median(times))} (min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}); of which the upload ${seconds(median(uploadOnly))}`,
  );
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const work = await mkdtemp(join(tmpdir(), "localex-bench-media-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  try {
    stage("making the images");
    const photo = join(work, "camera.jpg");
    const png = join(work, "noise.png");
    await cameraJpeg(photo);
    if (PARTS.includes("b")) await noisePng(png, 5800);

    if (PARTS.includes("a")) {
      stage("(a) variants");
      await benchVariants(photo, work);
    }
    if (!PARTS.includes("b") && !PARTS.includes("c")) return;

    const db = await freshDatabase(SERVER, "localex_bench_media");
    cleanups.unshift(db.drop);
    const env: Record<string, string> = {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      ...ANY_PORTS,
      DATABASE_URL: db.url,
      DATA_DIR: join(work, "data"),
      MEDIA_MAX_IMAGE_BYTES: String(128 * MiB),
      MEDIA_MAX_PIXELS: String(100_000_000),
      MEDIA_QUOTA_BYTES: String(1024 * 1024 * MiB),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...BENCH_RATE_LIMITS,
    };
    const config = loadConfig(env);
    stage("starting the stack");
    const stack = await startStack(config, createLogger(config.app.logLevel));
    cleanups.unshift(stack.stop);
    const subgraphUrls = Object.fromEntries(stack.subgraphs.map((s) => [s.name, s.url]));
    const gateway = await startGatewayProcess(env, subgraphUrls);
    cleanups.unshift(async () => {
      const exited = new Promise((resolve) => gateway.child.once("exit", resolve));
      gateway.child.kill("SIGTERM");
      await exited;
    });
    console.log(`PostgreSQL: ${SERVER.replace(/\/\/[^@]*@/, "//")}; blobs on disk; gateway pid ${gateway.child.pid} (own process), subgraphs in this one`);

    if (PARTS.includes("b")) await benchBigUpload(gateway, subgraphUrls.media!, config, png);
    if (PARTS.includes("c")) {
      stage("(c) upload to READY");
      await benchUploadToReady(gateway.url, photo);
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => console.error("cleanup failed:", e));
  }
}

await main();
process.exit(0);
