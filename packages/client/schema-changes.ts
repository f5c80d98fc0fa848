// Changes of the public API (schema/api.graphql, composed by `pnpm schema:compose`) against the
// last released one (schema/released/api.graphql), by @graphql-inspector/core: BREAKING ones fail
// tests/platform/schema-changes.test.ts; `pnpm schema:changes` prints them all; `pnpm schema:release`
// makes the current schema the baseline (an intended break, once front ends are told). See docs/client.md.
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema } from "graphql";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const currentSchemaFile = here("../../schema/api.graphql");
export const releasedSchemaFile = here("../../schema/released/api.graphql");

export interface SchemaChange {
  level: "BREAKING" | "DANGEROUS" | "SAFE";
  type: string;
  path: string | undefined;
  message: string;
  reason: string | undefined;
}

/** Every change from the released schema to the current one, breaking ones first. */
export async function schemaChanges(released = releasedSchemaFile, current = currentSchemaFile): Promise<SchemaChange[]> {
  const [before, after] = await Promise.all([readFile(released, "utf8"), readFile(current, "utf8")]);
  const changes: Change[] = await diff(buildSchema(before), buildSchema(after));
  const order = { BREAKING: 0, DANGEROUS: 1, SAFE: 2 } as const;
  return changes
    .map(
      (c) =>
        ({
          level: c.criticality.level === CriticalityLevel.Breaking ? "BREAKING" : c.criticality.level === CriticalityLevel.Dangerous ? "DANGEROUS" : "SAFE",
          type: c.type,
          path: c.path,
          message: c.message,
          reason: c.criticality.reason,
        }) satisfies SchemaChange,
    )
    .sort((a, b) => order[a.level] - order[b.level]);
}

export function formatChange(change: SchemaChange): string {
  return `${change.level.padEnd(9)} ${change.message}${change.reason ? ` (${change.reason})` : ""}`;
}

/** Makes the current public schema the released baseline. */
export async function releaseSchema(): Promise<void> {
  await mkdir(dirname(releasedSchemaFile), { recursive: true });
  await copyFile(currentSchemaFile, releasedSchemaFile);
}
