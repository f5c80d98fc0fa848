// `pnpm client:generate`: regenerates src/gql/ from schema/api.graphql and src/operations/.
// `pnpm client:generate --check`: writes nothing; exits 1 naming the files that are not up to date.
import { generatedDifferences, writeGenerated } from "../codegen.ts";

if (process.argv.includes("--check")) {
  const stale = await generatedDifferences();
  if (stale.length > 0) {
    console.error(`packages/client/src/gql/ is not up to date (${stale.join(", ")}): run \`pnpm client:generate\` and commit the result.`);
    process.exit(1);
  }
  console.log("packages/client/src/gql/ is up to date.");
} else {
  const written = await writeGenerated();
  console.log(`wrote ${written.join(", ")}`);
}
