import { readFile, writeFile, mkdir } from "node:fs/promises";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse, printSchema } from "graphql";
import { SUBGRAPH_NAMES, type SubgraphName } from "@localex/common";
import { SUBGRAPHS } from "./subgraphs.ts";
import { SCHEMA_DIR } from "./supergraph-file.ts";

export { readSupergraph } from "./supergraph-file.ts";
const DEFAULT_PORTS: Record<SubgraphName, number> = {
  identity: 4001,
  listings: 4002,
  trades: 4003,
  ledger: 4004,
  media: 4005,
  search: 4006,
};

export interface ComposedFiles {
  /** Relative path under schema/ → contents. */
  files: Map<string, string>;
}

/** Builds every subgraph's schema and composes the supergraph; throws with every composition error. */
export async function composeSupergraph(): Promise<ComposedFiles> {
  const files = new Map<string, string>();
  const services = [];
  for (const module of SUBGRAPHS) {
    const sdl = printSubgraphSchema(await module.buildSchema());
    files.set(`subgraphs/${module.name}.graphql`, sdl);
    services.push({ name: module.name, typeDefs: parse(sdl), url: `http://localhost:${DEFAULT_PORTS[module.name as SubgraphName]}/graphql` });
  }
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
  files.set("supergraph.graphql", result.supergraphSdl);
  files.set("api.graphql", printSchema(result.schema.toAPISchema().toGraphQLJSSchema()));
  const yaml = ["federation_version: =2.7.0", "subgraphs:"];
  for (const name of SUBGRAPH_NAMES) {
    yaml.push(`  ${name}:`, `    routing_url: http://localhost:${DEFAULT_PORTS[name]}/graphql`, "    schema:", `      file: ./subgraphs/${name}.graphql`);
  }
  files.set("supergraph.yaml", `${yaml.join("\n")}\n`);
  return { files };
}

export async function writeComposed({ files }: ComposedFiles): Promise<void> {
  await mkdir(`${SCHEMA_DIR}subgraphs`, { recursive: true });
  for (const [path, contents] of files) await writeFile(SCHEMA_DIR + path, contents);
}

/** The files under schema/ that differ from a fresh composition. */
export async function staleFiles({ files }: ComposedFiles): Promise<string[]> {
  const stale: string[] = [];
  for (const [path, contents] of files) {
    const current = await readFile(SCHEMA_DIR + path, "utf8").catch(() => null);
    if (current !== contents) stale.push(`schema/${path}`);
  }
  return stale;
}
