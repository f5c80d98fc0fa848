// `pnpm internal:generate`: regenerates every `<callee>-client.generated.ts` from the
// `<callee>-client.graphql` beside it (packages/stack/src/internal-operations.ts).
// `pnpm internal:generate --check`: writes nothing; exits 1 naming the files that are not up to date.
import { internalDifferences, writeInternalGenerated } from "./internal-operations.ts";

try {
  if (process.argv.includes("--check")) {
    const stale = await internalDifferences();
    if (stale.length > 0) {
      console.error(`Internal call types are not up to date (${stale.join(", ")}): run \`pnpm internal:generate\` and commit the result.`);
      process.exit(1);
    }
    console.log("Internal call types are up to date.");
  } else {
    const written = await writeInternalGenerated();
    console.log(`wrote ${written.join(", ")}`);
  }
} catch (e) {
  console.error(e instanceof Error && !process.env.DEBUG ? e.message : e);
  process.exit(1);
}
