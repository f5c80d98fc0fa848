// GraphQL Code Generator's client preset over the public API schema (schema/api.graphql, composed
// by `pnpm schema:compose`) and the documents in src/operations/. Offline: the schema is a file.
// `pnpm client:generate` writes src/gql/; `pnpm client:generate --check` (and
// tests/platform/client.test.ts) fails when what is committed there differs from what this makes.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodegenConfig } from "@graphql-codegen/cli";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const schemaFile = here("../../schema/api.graphql");
export const operationsGlob = here("./src/operations/*.graphql");
/** Where the generated code lives (committed). */
export const outputDir = here("./src/gql/");

export function codegenConfig(output: string = outputDir): CodegenConfig {
  return {
    schema: schemaFile,
    documents: [operationsGlob],
    ignoreNoDocuments: false,
    silent: true,
    // The workspace resolves modules as Node does (NodeNext) and imports with `.ts`.
    importExtension: ".ts",
    generates: {
      [output.endsWith("/") ? output : `${output}/`]: {
        preset: "client",
        // persisted-documents.json: every operation by the SHA-256 of its text, the hash automatic
        // persisted queries use; the gateway's safelist mode accepts only these (docs/client.md).
        presetConfig: { fragmentMasking: false, gqlTagName: "graphql", persistedDocuments: { hashAlgorithm: "sha256" } },
        config: {
          useTypeImports: true,
          enumsAsTypes: true,
          // Only the input types and enums the documents use: the schema can grow without churn here.
          onlyOperationTypes: true,
          // Scalars the documents never select (others may add some) need no mapping here.
          defaultScalarType: "unknown",
          scalars: {
            DateTime: { input: "string", output: "string" },
            Upload: { input: "Blob", output: "never" },
          },
          skipTypename: true,
        },
      },
    },
  };
}

export default codegenConfig();

/** What codegen makes from the schema and documents as they are now, without writing: path → content. */
export async function generateInMemory(): Promise<Map<string, string>> {
  const { generate } = await import("@graphql-codegen/cli");
  const files = (await generate({ ...codegenConfig(), cwd: here(".") }, false)) as { filename: string; content: string }[];
  return new Map(files.map((f) => [resolve(here("."), f.filename), f.content]));
}

/** The files under src/gql/ that differ from what codegen makes now (changed, missing or extra), as paths relative to the package. */
export async function generatedDifferences(): Promise<string[]> {
  const expected = await generateInMemory();
  const present = (await readdir(outputDir).catch(() => [] as string[])).map((name) => join(outputDir, name));
  const stale: string[] = [];
  for (const [path, content] of expected) {
    const committed = await readFile(path, "utf8").catch(() => null);
    if (committed !== content) stale.push(path);
  }
  for (const path of present) if (!expected.has(path)) stale.push(path);
  return stale.map((path) => relative(here("."), path)).sort();
}

/** Writes src/gql/ afresh (removing files codegen no longer makes); returns the paths written. */
export async function writeGenerated(): Promise<string[]> {
  const expected = await generateInMemory();
  await rm(outputDir, { recursive: true, force: true });
  for (const [path, content] of expected) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return [...expected.keys()].map((path) => relative(here("."), path)).sort();
}
