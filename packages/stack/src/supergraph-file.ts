import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** schema/, where `pnpm schema:compose` writes the supergraph and the API schema. */
export const SCHEMA_DIR = fileURLToPath(new URL("../../../schema/", import.meta.url));

/** The composed supergraph, as checked in (read without loading any subgraph's code). */
export async function readSupergraph(): Promise<string> {
  return readFile(`${SCHEMA_DIR}supergraph.graphql`, "utf8");
}
