// The isolated decoder (subgraphs/media/src/processing/decoder/): real decoder processes, real
// images (image-fixtures.ts). Uploaded bytes are parsed in a process that holds none of
// media's secrets, with the same results and refusals as in-process.
import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedOutputs, DecoderFailed, IsolatedDecoder } from "../../subgraphs/media/src/processing/decoder/index.ts";
import { MediaRejected } from "../../subgraphs/media/src/processing/index.ts";
import * as make from "./image-fixtures.ts";
import { LOAD_TYPESCRIPT } from "../harness/pieces.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = "subgraphs/media/src/processing/decoder/decoder-process.ts";
const MAX_PIXELS = 50_000_000;
// Recognisable fake values of secrets media holds; set in this (the parent) process.
const FAKE_SECRETS = {
  CALLER_SIGNING_KEY: "fake-caller-signing-key-7f3a",
  S3_SECRET_ACCESS_KEY: "fake-s3-secret-9c1e",
  DATABASE_URL: "postgres://media:fake-db-password-44d2@db/localex",
  MEDIA_SIGNING_SECRET: "fake-media-signing-secret-b8e0",
} as const;

let dir: string;
let photo: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-decoder-"));
  photo = await make.cameraPhoto(dir);
  for (const [name, value] of Object.entries(FAKE_SECRETS)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A process's environment as the kernel shows it (what an exploit in that process could read). */
async function environOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/environ`)).toString("utf8").replaceAll("\0", "\n");
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function failure(attempt: Promise<unknown>): Promise<unknown> {
  return attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
}

describe("a decoder holds no secret", () => {
  it("renders a 12-MP photo in a process whose environment has none of the parent's secrets", async () => {
    const decoder = new IsolatedDecoder({ size: 1 });
    try {
      const progress: number[] = [];
      const variants = await decoder.renderVariants(photo, join(dir, "out-secrets"), { maxPixels: MAX_PIXELS, onProgress: (f) => progress.push(f) });
      expect({ original: [variants.ORIGINAL.width, variants.ORIGINAL.height], large: [variants.LARGE.width, variants.LARGE.height] }).toEqual({
        original: [3000, 4000],
        large: [900, 1200],
      });
      expect([variants.MEDIUM.height, variants.THUMBNAIL.height]).toEqual([800, 300]);
      expect(progress[0]).toBe(0);
      expect(progress.at(-1)).toBe(1);

      const [pid] = decoder.pids();
      const environ = await environOf(pid!);
      // Control: this is a real environment, read from the decoder's pid.
      expect(environ).toContain(`PATH=${process.env.PATH}`);
      for (const [name, value] of Object.entries(FAKE_SECRETS)) {
        expect(process.env[name]).toBe(value); // the parent had it to leak
        expect(environ).not.toContain(`${name}=`);
        expect(environ).not.toContain(value);
      }
    } finally {
      await decoder.close();
    }
  });

  it("control: a process started with the parent's environment does show them there", async () => {
    const leaky = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { env: process.env, stdio: "ignore" });
    try {
      await new Promise((resolve) => leaky.once("spawn", resolve));
      const environ = await environOf(leaky.pid!);
      for (const value of Object.values(FAKE_SECRETS)) expect(environ).toContain(value);
    } finally {
      leaky.kill("SIGKILL");
    }
  });

  it("refuses to start with a secret in its environment, naming it but never its value", async () => {
    const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, S3_SECRET_ACCESS_KEY: FAKE_SECRETS.S3_SECRET_ACCESS_KEY },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).not.toBe(0);
    expect(output).toContain("refuses to start");
    expect(output).toContain("S3_SECRET_ACCESS_KEY");
    expect(output).not.toContain(FAKE_SECRETS.S3_SECRET_ACCESS_KEY);
  });

  it("control: the same start without the secret runs and says it is ready", async () => {
    const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const ready = await new Promise((resolve) => child.once("message", resolve));
    expect(ready).toBe("decoder-ready");
    child.disconnect(); // it exits when the media process is gone
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
  });
});

describe("refusals and failures", () => {
  let decoder: IsolatedDecoder;
  beforeAll(() => {
    decoder = new IsolatedDecoder({ size: 1 });
  });
  afterAll(() => decoder.close());

  it("refuses a truncated JPEG as CORRUPT_IMAGE, with the same message as in-process", async () => {
    const path = await make.truncated(dir, "jpeg");
    expect((await decoder.detectMediaType(path)).mime).toBe("image/jpeg");
    const error = await failure(decoder.renderVariants(path, join(dir, "out-truncated"), { maxPixels: MAX_PIXELS }));
    expect(error).toBeInstanceOf(MediaRejected);
    expect((error as MediaRejected).code).toBe("CORRUPT_IMAGE");
    expect((error as MediaRejected).message).toMatch(/damaged or incomplete/);
  });

  it("refuses a type and a pixel bomb with their codes", async () => {
    const text = await failure(decoder.detectMediaType(await make.textFile(dir, "notes.jpg")));
    expect((text as MediaRejected).code).toBe("UNSUPPORTED_TYPE");
    const bomb = await failure(decoder.inspectImage(await make.pixelBomb(dir), { maxPixels: MAX_PIXELS }));
    expect(bomb).toBeInstanceOf(MediaRejected);
    expect((bomb as MediaRejected).code).toBe("TOO_MANY_PIXELS");
    expect(await decoder.inspectImage(photo, { maxPixels: MAX_PIXELS })).toEqual({ width: 3000, height: 4000, format: "jpeg" });
  });

  it("fails a render whose decoder is killed as retryable, and the next request gets a new decoder", async () => {
    await decoder.inspectImage(photo, { maxPixels: MAX_PIXELS });
    const [first] = decoder.pids();
    const error = await failure(
      decoder.renderVariants(photo, join(dir, "out-killed"), { maxPixels: MAX_PIXELS, onProgress: () => process.kill(first!, "SIGKILL") }),
    );
    expect(error).toBeInstanceOf(DecoderFailed);
    expect(error).not.toBeInstanceOf(MediaRejected);
    expect((error as Error).message).toMatch(/killed by SIGKILL.*can be retried/);

    const variants = await decoder.renderVariants(photo, join(dir, "out-after"), { maxPixels: MAX_PIXELS });
    expect(variants.LARGE.height).toBe(1200);
    expect(decoder.pids()).not.toContain(first);
    expect(isRunning(first!)).toBe(false);
  });

  it("kills a decoder past its time limit and fails that request as retryable", async () => {
    // A 12-MP render takes 0.36 s at best here; its decoder's start (seconds, loaded) is not timed.
    const hasty = new IsolatedDecoder({ size: 1, timeoutMs: 150 });
    try {
      await hasty.detectMediaType(photo);
      const [pid] = hasty.pids();
      const error = await failure(hasty.renderVariants(photo, join(dir, "out-slow"), { maxPixels: MAX_PIXELS }));
      expect(error).toBeInstanceOf(DecoderFailed);
      expect((error as Error).message).toMatch(/longer than 0.15 s/);
      await expect.poll(() => isRunning(pid!)).toBe(false);
      // Control: the same decoder pool, a quick request, a fresh process. On a loaded machine even
      // a detection can pass 0.15 s: it is tried again then (each try on a fresh process).
      let detected: { mime: string } | undefined;
      for (let i = 0; i < 5 && !detected; i++)
        detected = await hasty.detectMediaType(photo).catch((e: unknown) => (e instanceof DecoderFailed ? undefined : Promise.reject(e)));
      expect(detected?.mime).toBe("image/jpeg");
      expect(hasty.pids()).not.toContain(pid);
    } finally {
      await hasty.close();
    }
  });
});

describe("stopping", () => {
  it("leaves no decoder process behind once closed", async () => {
    const decoder = new IsolatedDecoder();
    await Promise.all([decoder.inspectImage(photo, { maxPixels: MAX_PIXELS }), decoder.detectMediaType(photo)]);
    const pids = decoder.pids();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(true);
    await decoder.close();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    await expect(decoder.detectMediaType(photo)).rejects.toBeInstanceOf(DecoderFailed);
  });
});

describe("what the parent reads back", () => {
  const variant = (path: string) => ({ path, width: 1, height: 1, byteSize: 1, contentType: "image/webp" });

  it("takes only plain files directly inside the output directory, whatever the decoder names", async () => {
    const outDir = join(dir, "out-checked");
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "large.webp"), "x");
    await symlink("/proc/self/environ", join(outDir, "medium.webp"));
    // Control: a file the decoder wrote where it was told to.
    expect(await checkedOutputs(outDir, { LARGE: variant(join(outDir, "large.webp")) })).toBeDefined();
    await expect(checkedOutputs(outDir, { LARGE: variant("/proc/self/environ") })).rejects.toThrow(/outside its directory/);
    await expect(checkedOutputs(outDir, variant(join(outDir, "medium.webp")))).rejects.toThrow(/not a plain file/);
    await expect(checkedOutputs(outDir, variant(join(outDir, "../out-checked/../x.webp")))).rejects.toThrow();
  });
});

describe.runIf(process.getuid?.() === 0)("a decoder of its own user (MEDIA_DECODER_UID, when media runs as root)", () => {
  const NOBODY = 65534;
  const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))![1]);

  it("renders as that user, from a work directory lent for the request and taken back after", async () => {
    const decoder = new IsolatedDecoder({ size: 1, uid: NOBODY });
    const work = await mkdtemp(join(tmpdir(), "localex-decoder-uid-"));
    try {
      const input = join(work, "input");
      await copyFile(photo, input);
      const variants = await decoder.renderVariants(input, join(work, "out"), { maxPixels: MAX_PIXELS });
      expect([variants.LARGE.width, variants.LARGE.height]).toEqual([900, 1200]);
      const [pid] = decoder.pids();
      expect(await uidOf(pid!)).toBe(NOBODY);
      expect(await uidOf(process.pid)).toBe(0); // control: the parent is root
      // Taken back: the decoder's user owns nothing it could still change.
      for (const path of [work, input, join(work, "out"), variants.LARGE.path]) expect((await stat(path)).uid).toBe(0);
      // As that user, the decoder may not read the media process's environment.
      const peek = spawnSync("cat", [`/proc/${process.pid}/environ`], { uid: NOBODY, gid: NOBODY });
      expect(peek.status).not.toBe(0);
      expect(peek.stderr.toString()).toMatch(/Permission denied/);
      // Control: the same read as the media process's own user succeeds (what a same-user decoder could do).
      expect(spawnSync("cat", [`/proc/${process.pid}/environ`]).stdout.toString()).toContain("PATH=");
    } finally {
      await decoder.close();
      await rm(work, { recursive: true, force: true });
    }
  });

  it("refuses to lend a shared directory (such as /tmp itself)", async () => {
    const decoder = new IsolatedDecoder({ size: 1, uid: NOBODY });
    const shared = join(tmpdir(), `localex-decoder-shared-${process.pid}.jpg`);
    try {
      await copyFile(photo, shared);
      const error = await failure(decoder.detectMediaType(shared));
      expect(error).not.toBeInstanceOf(MediaRejected);
      expect((error as Error).message).toMatch(/private work directory/);
      expect((await stat(tmpdir())).uid).toBe(0);
    } finally {
      await decoder.close();
      await rm(shared, { force: true });
    }
  });
});
