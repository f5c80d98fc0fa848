// `pnpm admin …` as an operator runs it, on the run's database, for tests of the CLI's effects.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inject } from "vitest";
import { LOAD_TYPESCRIPT } from "./pieces.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/** Runs `pnpm admin <args>`; its exit code and output, never a throw. */
export async function adminCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...LOAD_TYPESCRIPT, "packages/stack/src/admin.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "test", DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "warn" },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
