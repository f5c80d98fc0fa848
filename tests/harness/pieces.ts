// One piece of the graph (a subgraph or a gateway) in a process of its own, as `pnpm serve <name>`
// runs it, for tests that need a piece configured differently from the shared test graph.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** How every process of ours runs TypeScript: node's flags for packages/stack/load-typescript.mjs. */
export const LOAD_TYPESCRIPT = ["--import", fileURLToPath(new URL("../../packages/stack/load-typescript.mjs", import.meta.url))];

export interface Piece {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
}

export function servePiece(target: string, env: NodeJS.ProcessEnv): Piece {
  const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, "packages/stack/src/serve.ts", target], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls `url` (a /healthz) until it answers (bounded), failing at once, with its output, if the piece exits. */
export async function untilHealthy(url: string, piece: { child: ChildProcess; output?: () => string }): Promise<void> {
  const output = () => (piece.output ? `:\n${piece.output()}` : "");
  for (let i = 0; i < 1200; i++) {
    if (piece.child.exitCode !== null) throw new Error(`${url}: exited with ${piece.child.exitCode}${output()}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy${output()}`);
}

/** SIGTERM (an orderly stop), SIGKILL after 15 s. */
export async function stopPiece(piece: Piece | undefined): Promise<void> {
  if (!piece || piece.child.exitCode !== null || piece.child.signalCode !== null) return;
  piece.child.kill("SIGTERM");
  const timer = setTimeout(() => piece.child.kill("SIGKILL"), 15_000);
  await piece.exited;
  clearTimeout(timer);
}

export interface StartedGraph extends Piece {
  /** The pieces `pnpm start` started: its child processes now (from /proc). */
  children: () => number[];
}

/**
 * `pnpm start`'s entry (packages/stack/src/main.ts) with `env`, resolved once it prints that it is
 * up, rejected with its output if it exits first. `detached`: in a process group of its own, so a
 * test can send SIGINT to the group as a terminal's Ctrl-C does.
 */
export async function startGraphProcess(env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): Promise<StartedGraph> {
  const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, "packages/stack/src/main.ts"], {
    cwd: ROOT,
    env,
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const read = (c: Buffer) => {
      output += c.toString();
      if (output.includes("LocalEx is up")) resolve();
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    void exited.then((code) => reject(new Error(`pnpm start exited with ${code} before it was up:\n${output.slice(-4000)}`)));
  });
  const children = () => readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return { child, output: () => output, exited, children };
}
