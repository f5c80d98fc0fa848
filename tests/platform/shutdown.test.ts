// Graceful shutdown of a gateway in a process of its own, as a deployment stops one: SIGTERM.
import { connect } from "node:net";
import { createClient } from "graphql-ws";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { randomUUID } from "node:crypto";
import { SUBGRAPH_NAMES, TASKS, type ListingDocument } from "@localex/common";
import { registerUser, type TestUser } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const UPDATE_PROFILE = `mutation Rename($name: String!) { updateProfile(input: { displayName: $name }) { user { displayName } errors { code } } }`;

/** Whether a new TCP connection to the port is accepted (true) or refused (false). */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe("a gateway asked to stop (SIGTERM)", () => {
  let gateway: Piece | undefined;
  let port: number;
  let member: TestUser;
  const sql = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });

  beforeAll(async () => {
    member = await registerUser({ verify: false });
    port = await freePort();
    const subgraphs = inject("subgraphUrls");
    gateway = servePiece("gateway", {
      ...testGraphEnvironment(),
      PORT: String(port),
      REDIS_URL: "",
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, subgraphs[name]!])),
    });
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, gateway);
  }, 120_000);
  afterAll(async () => {
    await stopPiece(gateway);
    await sql.end();
  });

  it("finishes the request in flight, refuses new connections, closes sockets with 1012 (reconnect), then exits 0", async () => {
    // A real socket, connected and acknowledged before the stop.
    let closedWith: number | undefined;
    const socket = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${member.accessToken}` },
      onNonLazyError: () => {},
      on: { closed: (event) => (closedWith = (event as { code: number }).code) },
    });
    await new Promise<void>((resolve) => socket.on("connected", () => resolve()));

    // A slow request, slow for a real reason: the member's row is locked by another transaction,
    // so identity's UPDATE waits on PostgreSQL until the test lets it go.
    const locker = await sql.reserve();
    await locker`begin`;
    await locker`select 1 from identity.users where id = ${member.id} for update`;
    const inFlight = fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${member.accessToken}` },
      body: JSON.stringify({ query: UPDATE_PROFILE, variables: { name: "Renamed while stopping" } }),
    });
    let settled = false;
    void inFlight.finally(() => (settled = true));
    const waitingOnTheLock = async () =>
      (await sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%update "identity"."users"%'`)[0]!.n > 0;
    for (let i = 0; i < 300 && !(await waitingOnTheLock()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await waitingOnTheLock()).toBe(true);

    gateway!.child.kill("SIGTERM");
    // The socket is told to reconnect, and the port stops taking connections, while the
    // request is still waiting on its lock.
    for (let i = 0; i < 300 && (closedWith === undefined || (await accepts(port))); i++) await new Promise((r) => setTimeout(r, 20));
    expect(closedWith).toBe(1012);
    expect(await accepts(port)).toBe(false);
    expect(settled).toBe(false);
    expect(gateway!.child.exitCode).toBeNull();

    // Let it go: the request in flight completes with its answer, and only then does the process exit.
    await locker`commit`;
    locker.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { updateProfile: { user: { displayName: "Renamed while stopping" }, errors: [] } } });
    expect(await gateway!.exited).toBe(0);
    await socket.dispose();
  });
});

describe("a subgraph asked to stop (SIGTERM) while a job runs", () => {
  let database: FreshDatabase;
  let search: Piece | undefined;
  let sql: postgres.Sql;

  beforeAll(async () => {
    // Search in a process of its own, on a database of its own, so its queue holds only our job.
    const server = new URL(inject("databaseUrl"));
    server.pathname = "/postgres";
    database = await freshDatabase(server.toString(), "localex_shutdown");
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    const port = await freePort();
    // An 8 s stop: its job workers hand back what they run after 3.2 s (40 %), not the usual 10 s,
    // which would outlast the stop (the process made to exit, exit code 1, the job left locked).
    search = servePiece("search", {
      ...testGraphEnvironment(),
      DATABASE_URL: database.url,
      REDIS_URL: "",
      SEARCH_PORT: String(port),
      SHUTDOWN_TIMEOUT_SECONDS: "8",
    });
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, search);
  }, 120_000);
  afterAll(async () => {
    await stopPiece(search);
    await sql?.end();
    await database?.drop();
  });

  it("hands a job that does not finish within its stop grace (40 % of SHUTDOWN_TIMEOUT_SECONDS) back to the queue, where the next process runs it; exits 0", async () => {
    const now = new Date().toISOString();
    const listing: ListingDocument = {
      id: randomUUID(),
      ownerId: randomUUID(),
      title: "Lamp",
      description: "",
      categoryId: "c",
      categorySlug: "lighting",
      condition: "GOOD",
      status: "ACTIVE",
      creditPrice: 5,
      location: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
      hidden: false,
    };
    let jobId = "";
    const state = async () =>
      (
        await sql<{ locked: boolean; attempts: number; max: number; error: string | null }[]>`
        select locked_at is not null as locked, attempts, max_attempts as max, last_error as error from graphile_worker.jobs where id = ${jobId}`
      )[0];
    const waiting = async () =>
      (await sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)[0]!.n > 0;

    // The job's write waits on a real lock the test holds on the search table.
    const locker = await sql.reserve();
    await locker`begin`;
    await locker`lock table search.listing_documents in access exclusive mode`;
    try {
      const [job] = await sql<
        { id: string }[]
      >`select (graphile_worker.add_job(${TASKS.indexListing}, ${JSON.stringify({ listing })}::text::json)).id::text as id`;
      jobId = job!.id;
      for (let i = 0; i < 300 && !((await state())?.locked && (await waiting())); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await state(), search!.output()).toMatchObject({ locked: true, attempts: 1 });

      search!.child.kill("SIGTERM");
      // It waits for the job (3.2 s of its 8 s stop), then fails it back to the queue, unlocked, and stops.
      expect(await search!.exited, search!.output()).toBe(0);
      const after = await state();
      expect(after, search!.output()).toMatchObject({ locked: false, attempts: 1 });
      expect(after!.attempts).toBeLessThan(after!.max);
      expect(after!.error).toMatch(/worker stopped before the job finished/);
    } finally {
      await locker`rollback`;
      locker.release();
    }

    // The next search process runs it: the listing becomes searchable, the job leaves the queue.
    const port = await freePort();
    search = servePiece("search", { ...testGraphEnvironment(), DATABASE_URL: database.url, REDIS_URL: "", SEARCH_PORT: String(port) });
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, search);
    const indexed = async () => (await sql`select count(*)::int as n from search.listing_documents where id = ${listing.id}`)[0]!.n === 1;
    // Done when both hold: the row is written, and then (a moment later) the job's success recorded.
    for (let i = 0; i < 500 && !((await indexed()) && (await state()) === undefined); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await indexed()).toBe(true);
    expect(await state()).toBeUndefined();
  }, 60_000);
});
