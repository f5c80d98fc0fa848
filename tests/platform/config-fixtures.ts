import { ConfigError, loadConfig, SUBGRAPH_NAMES, type Piece } from "@localex/common";

/** What loadConfig refuses `env` for, as its sentences; none when it accepts it. */
export function configProblems(env: NodeJS.ProcessEnv, piece: Piece = "graph"): string[] {
  try {
    loadConfig(env, piece);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

/** Where a piece served on its own finds the other subgraphs (required in production). */
export const peerUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `http://${name}:4000/graphql`]));
