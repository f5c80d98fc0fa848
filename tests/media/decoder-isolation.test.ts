// The graph's media really reads uploads in its decoder processes, and those hold none of the
// secrets the media process holds (unit-level detail: decoder.unit.test.ts).
import { mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import { secretsIn } from "../../subgraphs/media/src/processing/decoder/index.ts";
import { flat } from "./image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-decoder-graph-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const environOf = async (pid: number): Promise<NodeJS.ProcessEnv> =>
  Object.fromEntries(
    (await readFile(`/proc/${pid}/environ`, "utf8"))
      .split("\0")
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );

/** This checkout's decoder processes (other checkouts on the machine may run graphs too). */
async function decoders(): Promise<{ pid: number; ppid: number }[]> {
  const found: { pid: number; ppid: number }[] = [];
  for (const name of await readdir("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.includes("processing/decoder/decoder-process.ts") || (await readlink(`/proc/${pid}/cwd`)) !== ROOT) continue;
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))![1]);
      found.push({ pid, ppid });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

it("renders an upload in a decoder whose environment has none of the media process's secrets", async () => {
  const member = await registerUser();
  const path = await flat(dir, "isolated.png", 640, 480, "png");
  const { media, errors } = await uploadDirect(member, path, { purpose: "AVATAR", contentType: "image/png" });
  expect(errors).toEqual([]);
  const job = await untilJobEnds(member, media!.job!.id);
  expect({ status: job.status, width: job.media!.width }).toEqual({ status: "SUCCEEDED", width: 640 });

  const running = await decoders();
  let checked = 0;
  for (const { pid, ppid } of running) {
    // A decoder of a piece another test file started may end between the listing and this read.
    const [decoder, parent] = await Promise.all([environOf(pid), environOf(ppid)]).catch((e: NodeJS.ErrnoException) =>
      e.code === "ESRCH" || e.code === "ENOENT" ? [null, null] : Promise.reject(e),
    );
    if (!decoder || !parent) continue;
    checked++;
    // Control: the process that started it does hold secrets.
    const held = secretsIn(parent);
    expect(held.length).toBeGreaterThan(0);
    expect(secretsIn(decoder)).toEqual([]);
    // Run with MEDIA_DECODER_UID set, the same test shows the decoder as that user.
    if (process.env.MEDIA_DECODER_UID) expect(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))![1]).toBe(process.env.MEDIA_DECODER_UID);
    const values = Object.values(decoder).join("\n");
    // An empty variable holds no secret (a piece of another test file may be given REDIS_URL="").
    for (const name of held) if (parent[name]) expect(values).not.toContain(parent[name]);
  }
  expect(checked).toBeGreaterThan(0);
});
