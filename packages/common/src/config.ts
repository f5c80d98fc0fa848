// The configuration: environment variables (their names are the deployment's interface, listed
// in .env.example), read into sections (config-platform.ts, config-identity.ts,
// config-features.ts). Each process validates only the sections the piece it runs reads: the
// gateway does not fail on a media-only variable; the whole graph in one process reads them all.
import { z } from "zod";
import { variablesOf } from "./config-schema.ts";
import { accounts, mail, push } from "./config-identity.ts";
import { cdn, media, pricing, recalls, search, storage, trades } from "./config-features.ts";
import { app, auth, callersFor, database, processes, rateLimits, redis, server, servedDatabase, sessions, subgraphsFor, uploads } from "./config-platform.ts";
import type { Piece, SubgraphName } from "./subgraph-names.ts";

export { SUBGRAPH_NAMES, type Piece, type SubgraphName } from "./subgraph-names.ts";
export { DEV_JWT_SECRET, peersOf } from "./config-platform.ts";
export { DEV_VAPID_PRIVATE_KEY, DEV_VAPID_PUBLIC_KEY, DEVELOPMENT_APP_URL, PUBLIC_PUSH_SERVICE_HOSTS } from "./config-identity.ts";
export { DEV_MEDIA_SIGNING_SECRET } from "./config-features.ts";

/** What every subgraph served on its own reads. */
const subgraph = <N extends SubgraphName>(name: N) => ({
  app,
  subgraphs: subgraphsFor(name),
  database: servedDatabase(name),
  redis,
  rateLimits,
  callers: callersFor(name),
});

/** Each piece (`pnpm serve <piece>`, `pnpm start`, operators' tools) and the sections it reads. */
const PIECES = {
  gateway: { app, server, subgraphs: subgraphsFor("gateway"), redis, rateLimits, callers: callersFor("gateway"), auth, sessions, uploads },
  identity: { ...subgraph("identity"), auth, sessions, accounts, mail, push },
  listings: { ...subgraph("listings"), recalls },
  trades: { ...subgraph("trades"), trades },
  ledger: { ...subgraph("ledger"), pricing },
  media: { ...subgraph("media"), uploads, storage, media, cdn },
  search: { ...subgraph("search"), search },
  /** Operators' tools on the database (`pnpm admin`, `pnpm ledger:reconcile`): no keys, no secrets. */
  operator: { app, database, sessions },
  graph: {
    app,
    processes,
    server,
    subgraphs: subgraphsFor("graph"),
    database,
    redis,
    rateLimits,
    callers: callersFor("graph"),
    auth,
    sessions,
    uploads,
    accounts,
    mail,
    push,
    storage,
    media,
    cdn,
    search,
    pricing,
    trades,
    recalls,
  },
} satisfies Record<Piece, Record<string, z.ZodType>>;

type Sections<P extends Piece> = (typeof PIECES)[P];
/** The configuration `piece` reads. */
export type PieceConfig<P extends Piece> = { [K in keyof Sections<P>]: z.output<Sections<P>[K]> };
/** The whole graph's configuration: every section. */
export type Config = PieceConfig<"graph">;
export type SectionName = keyof Config;
/** What every subgraph reads, however it is served (startSubgraph's part). */
export type SubgraphConfig = Pick<Config, "app" | "subgraphs" | "redis" | "rateLimits" | "callers"> & { database: Pick<Config["database"], "poolSize"> };
/** What one subgraph's module reads: its piece's sections (its database is startSubgraph's business). */
export type SubgraphModuleConfig<N extends SubgraphName> = Omit<PieceConfig<N>, "database"> & SubgraphConfig;

/** The variables `piece` reads: its sections'. */
export const pieceVariables = (piece: Piece): readonly string[] => [...new Set(Object.values(PIECES[piece] as Record<string, z.ZodType>).flatMap(variablesOf))];

/** Every variable the configuration reads (listed, with its default, in .env.example). */
export const CONFIG_VARIABLES: readonly string[] = pieceVariables("graph");

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the environment once; every problem is reported, not just the first, each
 * naming its variable. `piece` is what the process runs: only its sections are read, and
 * production requires only the secrets it uses. Unnamed: the whole graph in one process.
 */
export function loadConfig<P extends Piece = "graph">(env: NodeJS.ProcessEnv = process.env, piece: P = "graph" as P): PieceConfig<P> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  // Secrets and keys are never echoed back.
  const got = (key: string) => (key in cleaned && !/SECRET|_KEY|PASSWORD|TOKEN/.test(key) ? ` (got ${JSON.stringify(cleaned[key])})` : "");
  const problems = new Set<string>();
  const config: Record<string, unknown> = {};
  for (const [name, section] of Object.entries(PIECES[piece] as Record<string, z.ZodType>)) {
    const result = section.safeParse(cleaned);
    if (result.success) config[name] = result.data;
    else for (const issue of result.error.issues) problems.add(`${issue.path.join(".")}: ${issue.message}${got(issue.path.join("."))}`);
  }
  if (problems.size > 0) throw new ConfigError([...problems]);
  return config as PieceConfig<P>;
}

/** For entry points: the configuration, or a clear message and exit code 1. */
export function loadConfigOrExit<P extends Piece = "graph">(env: NodeJS.ProcessEnv = process.env, piece: P = "graph" as P): PieceConfig<P> {
  try {
    return loadConfig(env, piece);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
}
