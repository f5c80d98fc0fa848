// `pnpm schema:compose` regenerates schema/; `pnpm schema:check` fails when it is stale.
import { composeSupergraph, staleFiles, writeComposed } from "./composition.ts";

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
  } else {
    await writeComposed(composed);
    console.log("schema/ regenerated.");
  }
} catch (e) {
  console.error(e instanceof Error && !process.env.DEBUG ? e.message : e);
  process.exit(1);
}
