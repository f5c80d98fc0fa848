import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_PAYLOADS, TASKS } from "@localex/common";

/**
 * Every job goes through the typed pipeline (enqueueJob / jobTask with its zod payload in
 * contracts.ts) and is listed in docs/contracts.md: a job added by hand (graphile_worker.add_job
 * in our code, a task name outside TASKS) or left out of the docs fails here.
 */
const ROOT = join(import.meta.dirname, "../..");

/** The task names in the first column of docs/contracts.md's jobs table. */
function documentedTasks(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([a-z]+:[a-z-]+)` \|/gm)].map((m) => m[1]!);
}

/** Where the docs and TASKS disagree, as sentences. */
function disagreements(markdown: string): string[] {
  const documented = documentedTasks(markdown);
  const tasks: string[] = Object.values(TASKS);
  return [
    ...tasks.filter((t) => !documented.includes(t)).map((t) => `${t} is in TASKS but not in docs/contracts.md`),
    ...documented.filter((t) => !tasks.includes(t)).map((t) => `${t} is in docs/contracts.md but not in TASKS`),
  ];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** `file:line` of every job added to the queue by hand, outside enqueueJob (packages/common/src/jobs.ts). */
function handAddedJobs(files: { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) =>
    path.endsWith("packages/common/src/jobs.ts")
      ? []
      : text.split("\n").flatMap((line, i) => (/graphile_worker\.add_job|\bquickAddJob\(|\baddJob\(/.test(line) ? [`${path}:${i + 1}`] : [])),
  );
}

describe("jobs", () => {
  it("has a payload schema for every task", () => {
    expect(Object.keys(JOB_PAYLOADS).sort()).toEqual(Object.values(TASKS).sort());
  });

  it("lists every task in docs/contracts.md, and nothing else", () => {
    expect(disagreements(readFileSync(join(ROOT, "docs/contracts.md"), "utf8"))).toEqual([]);
  });

  it("would notice a task missing from the docs or a row naming no task (positive control)", () => {
    const docs = readFileSync(join(ROOT, "docs/contracts.md"), "utf8");
    const tampered = docs.replace(/^\| `listings:refresh-recalls` \|.*\n/m, "") + "\n| `media:shred` | media | – | nothing |\n";
    expect(disagreements(tampered)).toEqual([
      "listings:refresh-recalls is in TASKS but not in docs/contracts.md",
      "media:shred is in docs/contracts.md but not in TASKS",
    ]);
  });

  it("adds every job through enqueueJob: no graphile_worker.add_job by hand in the subgraphs or the shared package", () => {
    const files = ["subgraphs", "packages", "gateway"].flatMap((dir) => sourceFiles(join(ROOT, dir)));
    const found = handAddedJobs(files.map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, "utf8") })));
    expect(found).toEqual([]);
    // Positive control: the same scan finds one written by hand.
    expect(handAddedJobs([{ path: "subgraphs/x/src/y.ts", text: "a\nawait db.execute(sql`select graphile_worker.add_job('x:y')`);" }])).toEqual([
      "subgraphs/x/src/y.ts:2",
    ]);
  });
});
