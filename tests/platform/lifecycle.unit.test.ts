// How a process of ours ends (packages/stack/src/lifecycle.ts): 0 after a requested stop that
// went well, 1 whenever the stop failed, hung, or something crashed while it ran. The test gate
// (tests/harness/global-setup.ts) reads the graph's exit code, so a fault dropped here is a
// fault no test run would ever see.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LOAD_TYPESCRIPT } from "../harness/pieces.ts";

const LIFECYCLE = fileURLToPath(new URL("../../packages/stack/src/lifecycle.ts", import.meta.url));
const STACK_DIR = fileURLToPath(new URL("../../packages/stack", import.meta.url));

/** A process that stops with `stopBody` (an async function body) on SIGTERM, as ours do; its exit code and output. */
function stopWith(stopBody: string): Promise<{ code: number | null; output: string }> {
  const script = `
    const { stopOnExitSignals } = await import(${JSON.stringify(LIFECYCLE)});
    const log = { info() {}, error: (o, m) => console.error(m), fatal: (o, m) => console.error(m) };
    stopOnExitSignals(async () => { ${stopBody} }, log, 2);
    setInterval(() => {}, 1000);
    console.log("ready");`;
  const child = spawn(process.execPath, [...LOAD_TYPESCRIPT, "--input-type=module", "-e", script], {
    cwd: STACK_DIR,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
    if (output.includes("ready")) child.kill("SIGTERM");
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe.concurrent("a process's exit code after SIGTERM", () => {
  it("is 0 when its stop succeeds (the positive control)", async () => {
    const run = await stopWith("await new Promise((r) => setTimeout(r, 50));");
    expect(run.code, run.output).toBe(0);
  }, 30_000);

  it("is 1 when its stop throws", async () => {
    const run = await stopWith(`throw new Error("the database would not stop");`);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/shutdown failed/);
  }, 30_000);

  it("is 1 when an exception is thrown elsewhere while it stops, though the stop itself succeeds", async () => {
    const run = await stopWith(`setImmediate(() => { throw new Error("a socket blew up"); }); await new Promise((r) => setTimeout(r, 200));`);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/uncaught exception while shutting down/);
  }, 30_000);

  it("is 1 when its stop never finishes, after the shutdown timeout", async () => {
    const run = await stopWith("await new Promise(() => {});");
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/shutdown did not finish in time/);
  }, 30_000);
});
