// `pnpm start` in several processes (GRAPH_PROCESSES; "auto" is one per core), without Redis:
// the gateway in the first, the subgraphs spread over the others (7: each in its own), events
// between them through the database. Run as the README's command runs it
// (packages/stack/src/main.ts), on a database of its own instead of the embedded one.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { runAlone } from "../harness/alone.ts";
import { GatewayClient } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";
import { startGraphProcess } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";
import { Subscription } from "../harness/subscription.ts";

const SUBGRAPHS = ["identity", "listings", "trades", "ledger", "media", "search"];

interface Started {
  main: ChildProcess;
  gateway: string;
  output: () => string;
  exited: Promise<number | null>;
}

let database: FreshDatabase;
let dataDir: string;
/** Every graph started, so one a timed-out test left running is killed with its pieces. */
const graphs: ChildProcess[] = [];

/** `pnpm start`'s entry in a process group of its own, so the test can send SIGINT as a terminal's Ctrl-C does. */
async function start(processes: number): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    GRAPH_PROCESSES: String(processes),
    DATABASE_URL: database.url,
    // Small pools: the shared server's connections are budgeted (seven processes hold about 35 at their peak).
    DATABASE_POOL_SIZE: "2",
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    SMTP_URL: "",
  };
  delete env.REDIS_URL;
  for (const name of SUBGRAPHS) env[`${name.toUpperCase()}_PORT`] = String(await freePort());
  const graph = await startGraphProcess(env, { detached: true });
  graphs.push(graph.child);
  return { main: graph.child, gateway: `http://127.0.0.1:${env.PORT}/graphql`, output: graph.output, exited: graph.exited };
}

/** The processes `pid` started, with the pieces each serves (the words after serve.ts in its command line). */
function piecesOf(pid: number): { pid: number; pieces: string }[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return children.map((child) => {
    const args = readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { pid: child, pieces: args.slice(args.findIndex((a) => a.endsWith("serve.ts")) + 1).join(" ") };
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function register(gateway: string, name: string) {
  const { register } = await new GatewayClient(gateway).data<{ register: { accessToken: string; user: { id: string } } }>(
    `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`,
    { input: { email: `${name}-${randomUUID()}@localex.test`, password: "correct horse battery", displayName: name } },
  );
  return { id: register.user.id, token: register.accessToken, client: new GatewayClient(gateway, register.accessToken) };
}

runAlone();

beforeAll(async () => {
  database = await freshDatabase(inject("databaseUrl"), "localex_start");
  dataDir = await mkdtemp(join(tmpdir(), "localex-start-"));
  await chmod(dataDir, 0o755);
}, 60_000);

afterAll(async () => {
  for (const main of graphs) {
    if (main.exitCode !== null || main.signalCode !== null) continue;
    for (const piece of piecesOf(main.pid!)) process.kill(piece.pid, "SIGKILL");
    main.kill("SIGKILL");
  }
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe("pnpm start in several processes, without Redis", () => {
  it("serves each subgraph from a process of its own (7), carries events between them through the database, and stops them all at Ctrl-C with exit code 0", async () => {
    const graph = await start(7);
    const pieces = piecesOf(graph.main.pid!);
    try {
      expect(pieces.map((p) => p.pieces).sort()).toEqual([...SUBGRAPHS].sort());

      const ann = await register(graph.gateway, "Ann");
      const bob = await register(graph.gateway, "Bob");
      let closedAs: { code: number; reason: string } | undefined;
      const socket = createClient({
        url: graph.gateway.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${bob.token}` },
        onNonLazyError: () => {},
        on: { closed: (event) => (closedAs = { code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
      });
      try {
        // A trade Ann proposes through the gateway reaches Bob's live feed (the trades process
        // publishes on the database's channel; its subscribers hear it there).
        const feed = new Subscription<{ tradeUpdated: { id: string; status: string } }>(socket, `subscription { tradeUpdated { id status } }`);
        let heard: string | undefined;
        for (let i = 0; i < 20 && !heard; i++) {
          const { proposeTrade } = await ann.client.data<{ proposeTrade: { trade: { id: string } } }>(
            `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } } }`,
            { input: { recipientId: bob.id, offeredCredits: 1 }, key: randomUUID() },
          );
          try {
            await feed.until((r) => r.data?.tradeUpdated.id === proposeTrade.trade.id, "the proposal", 1000);
            heard = proposeTrade.trade.id;
          } catch {
            // not listening yet: the next proposal is heard
          }
        }
        expect(heard).toBeDefined();

        // Bob signs out: identity's process announces it, and the gateway, in another process,
        // closes Bob's socket.
        expect(await bob.client.data(`mutation { logout }`)).toEqual({ logout: true });
        const closed = await eventually(
          "Bob's socket closed",
          async () => closedAs,
          (c) => c !== undefined,
          15_000,
        );
        expect(closed).toEqual({ code: 4401, reason: expect.stringMatching(/signed out/) });
      } finally {
        await socket.dispose();
      }

      process.kill(-graph.main.pid!, "SIGINT");
      expect(await graph.exited).toBe(0);
      expect(pieces.filter((p) => alive(p.pid))).toEqual([]);
    } finally {
      for (const p of pieces) if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
      if (graph.main.exitCode === null) graph.main.kill("SIGKILL");
    }
  }, 240_000);

  it("serves the six subgraphs from one second process (2), and stops the whole graph with exit code 1 when that process dies", async () => {
    const graph = await start(2);
    const pieces = piecesOf(graph.main.pid!);
    try {
      expect(pieces.map((p) => p.pieces)).toEqual([SUBGRAPHS.join(" ")]);
      // Served: a member registers and reads themself through the gateway.
      const cleo = await register(graph.gateway, "Cleo");
      expect(await cleo.client.data(`{ me { id } }`)).toEqual({ me: { id: cleo.id } });
      process.kill(pieces[0]!.pid, "SIGKILL");
      expect(await graph.exited).toBe(1);
      expect(graph.output()).toMatch(/the identity, listings, trades, ledger, media, search subgraphs' process ended \(SIGKILL\)/);
      expect(pieces.filter((p) => alive(p.pid))).toEqual([]);
    } finally {
      for (const p of pieces) if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
      if (graph.main.exitCode === null) graph.main.kill("SIGKILL");
    }
  }, 240_000);
});
