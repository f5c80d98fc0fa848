// `pnpm schema:compose` regenerates schema/; `pnpm schema:check` fails when it is stale, or when
// the internal calls' generated types (`pnpm internal:generate`) are stale against it.
import { composeSupergraph, staleFiles, writeComposed } from "./composition.ts";
import { internalDifferences } from "./internal-operations.ts";

const check = process.argv.includes("--check");
try {
  const composed = await composeSupergraph();
  if (check) {
    const stale = await staleFiles(composed);
    if (stale.length > 0) {
      console.error(`Stale: ${stale.join(", ")}. Run \`pnpm schema:compose\` and commit the result.`);
      process.exit(1);
    }
    console.log("schema/ is up to date.");
    const internal = await internalDifferences();
    if (internal.length > 0) {
      console.error(`Stale: ${internal.join(", ")}. Run \`pnpm internal:generate\` and commit the result.`);
      process.exit(1);
    }
    console.log("Internal call types are up to date.");
  } else {
    await writeComposed(composed);
    console.log("schema/ regenerated.");
  }
} catch (e) {
  console.error(e instanceof Error && !process.env.DEBUG ? e.message : e);
  process.exit(1);
}
