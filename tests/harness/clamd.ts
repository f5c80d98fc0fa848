// A real clamd on a one-signature database, started in a second or two (ClamAV's full database
// takes a minute and a gigabyte): the graph under test scans uploads with it (global-setup.ts),
// and tests/media/clamd.test.ts and tests/platform/compose.test.ts start their own.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { ClamdScanner } from "../../subgraphs/media/src/scanning/index.ts";
import { freePort } from "./databases.ts";

/** The EICAR test file, put together at run time so this source is not itself a "virus" to scanners. */
export const EICAR = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"].join("");
export const EICAR_SIGNATURE = "Eicar-Test-Signature";

/** Why tests that need clamd are skipped here, for their titles (`apt-get install clamav-daemon` brings it). */
export const CLAMD_SKIPPED = "SKIPPED: clamd is not installed";

export interface Clamd {
  tcpUrl: string;
  unixUrl: string;
  /** Stops clamd and removes its database, socket and temporary files. */
  stop(): Promise<void>;
}

export interface ClamdOptions {
  /** clamd's StreamMaxLength (its default, 25 MB, unless given). */
  streamMaxBytes?: number;
}

const READY_DEADLINE_MS = 60_000;

export async function findClamd(): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, "clamd");
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return null;
}

/**
 * clamd on TCP and a Unix socket, answering PING on both; null when no clamd is installed.
 * Its one signature is a body signature (.ndb) for the EICAR string anywhere in a file: the
 * graph only scans what passed the type check, so the infected upload a test can send is an
 * image carrying EICAR, as real malware rides in a file that opens as a photo. (ClamAV's own
 * EICAR signature is a hash of the bare file, which no image upload can be.)
 */
export async function startClamd(options: ClamdOptions = {}): Promise<Clamd | null> {
  const binary = await findClamd();
  if (!binary) return null;
  const dir = await mkdtemp(join(tmpdir(), "localex-clamd-"));
  await writeFile(join(dir, "eicar.ndb"), `${EICAR_SIGNATURE}:0:*:${Buffer.from(EICAR).toString("hex")}\n`);
  const port = await freePort();
  const socket = join(dir, "clamd.sock");
  const conf = join(dir, "clamd.conf");
  await writeFile(
    conf,
    [
      "Foreground yes",
      `LocalSocket ${socket}`,
      `TCPSocket ${port}`,
      "TCPAddr 127.0.0.1",
      `DatabaseDirectory ${dir}`,
      `TemporaryDirectory ${dir}`,
      // Only used when started as root: stay who we are.
      `User ${userInfo().username}`,
      ...(options.streamMaxBytes ? [`StreamMaxLength ${Math.ceil(options.streamMaxBytes / 1024)}K`] : []),
      "",
    ].join("\n"),
  );
  const child = spawn(binary, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  // A run that exits without stopping it (a failed global setup) must not leave clamd behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const clamd: Clamd = {
    tcpUrl: `tcp://127.0.0.1:${port}`,
    unixUrl: `unix://${socket}`,
    async stop() {
      process.off("exit", killOnExit);
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await untilAnswering(child, [clamd.tcpUrl, clamd.unixUrl], () => output);
  } catch (error) {
    await clamd.stop();
    throw error;
  }
  return clamd;
}

/** Polls PING until clamd answers PONG at every address, or fails with what it printed. */
async function untilAnswering(child: ChildProcess, urls: string[], output: () => string): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (const url of urls) {
    const scanner = new ClamdScanner({ url, connectTimeoutMs: 1_000 });
    while (!(await scanner.ping())) {
      if (child.exitCode !== null) throw new Error(`clamd exited with ${child.exitCode}:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`clamd did not answer PING at ${url} within ${READY_DEADLINE_MS} ms:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
