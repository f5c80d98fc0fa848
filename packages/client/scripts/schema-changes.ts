// `pnpm schema:changes`: every change of schema/api.graphql against schema/released/api.graphql
// (breaking, dangerous, safe). `pnpm schema:release`: the current schema becomes the baseline.
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { currentSchemaFile, formatChange, releasedSchemaFile, releaseSchema, schemaChanges } from "../schema-changes.ts";

const root = process.cwd();
const hasBaseline = existsSync(releasedSchemaFile);
if (process.argv.includes("--release")) {
  const breaking = hasBaseline ? (await schemaChanges()).filter((c) => c.level === "BREAKING") : [];
  await releaseSchema();
  console.log(
    `${relative(root, releasedSchemaFile)} is now ${relative(root, currentSchemaFile)}` +
      (breaking.length ? `, accepting ${breaking.length} breaking change(s):` : "."),
  );
  for (const change of breaking) console.log(`  ${formatChange(change)}`);
} else if (!hasBaseline) {
  console.error(`There is no released schema at ${relative(root, releasedSchemaFile)}: \`pnpm schema:release\` makes one of the current schema.`);
  process.exitCode = 1;
} else {
  const changes = await schemaChanges();
  const count = (level: string) => changes.filter((c) => c.level === level).length;
  console.log(
    `${relative(root, currentSchemaFile)} against ${relative(root, releasedSchemaFile)}: ${count("BREAKING")} breaking, ${count("DANGEROUS")} dangerous, ${count("SAFE")} safe`,
  );
  for (const change of changes) console.log(`  ${formatChange(change)}`);
}
