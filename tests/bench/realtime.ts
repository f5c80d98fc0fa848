// `pnpm bench:realtime`: the production topology (each subgraph and the gateway in its own
// process, on Redis), measuring
//   1. how many idle subscribers (one connection, one `tradeUpdated` subscription each) one
//      gateway process holds before its RSS reaches 1 GiB (or BENCH_MAX_SUBSCRIBERS);
//   2. mutation-to-event latency with 1 000 subscribers (100 members × 10 subscriptions): a
//      proposal through the gateway, to each of its recipient's subscriptions, every event
//      counted, those that beat the mutation's answer too (and how many did); at rest, and
//      again right after the idle subscribers of (1) have disconnected;
//   3. leaks: sockets, Redis channels and RSS after 10 000 connect/subscribe/disconnect cycles.
//   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL (default redis://127.0.0.1:6379)
import { randomUUID } from "node:crypto";
import { readdir, readFile, readlink } from "node:fs/promises";
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { startTopology } from "../harness/topology.ts";
import { heapAfterCollection, type HeapReading } from "./heap.ts";
import { TEST_JWT_SECRET } from "../harness/secrets.ts";
import { BENCH_RATE_LIMITS, gql, stage, type Session, type TradeAnswer } from "./support.ts";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const MAX_SUBSCRIBERS = Number(process.env.BENCH_MAX_SUBSCRIBERS ?? 15_000);
const RSS_BUDGET = 1024 ** 3;
const CYCLES = Number(process.env.BENCH_CYCLES ?? 10_000);
/** Proposals sent before the latency is counted, so the first requests' compilation is not measured. */
const WARM_UP = 20;

const FEED = `subscription { tradeUpdated { id status proposer { displayName } } }`;

/** An access token for a member who need not exist: the gateway checks the signature only. */
const mint = (userId: string) =>
  new SignJWT({ role: "user", sid: randomUUID() })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer("localex-identity")
    .setAudience("localex-api")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));

interface Socket {
  ws: WebSocket;
  /** Subscribes; `onNext` gets each result. */
  subscribe(query: string, variables: Record<string, unknown>, onNext: (payload: { data?: unknown; errors?: unknown }) => void): string;
  close(): Promise<void>;
}

/** A minimal graphql-transport-ws client: cheap enough to hold thousands in one process. */
function connect(wsUrl: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, "graphql-transport-ws");
    const sinks = new Map<string, (payload: { data?: unknown; errors?: unknown }) => void>();
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("error", reject);
    ws.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; id?: string; payload?: { data?: unknown; errors?: unknown } };
      if (message.type === "connection_ack") {
        resolve({
          ws,
          subscribe(query, variables, onNext) {
            const id = randomUUID();
            sinks.set(id, onNext);
            ws.send(JSON.stringify({ type: "subscribe", id, payload: { query, variables } }));
            return id;
          },
          close: () =>
            new Promise<void>((done) => {
              if (ws.readyState === ws.CLOSED) return done();
              ws.once("close", () => done());
              ws.close(1000);
            }),
        });
      } else if (message.type === "next" && message.id) sinks.get(message.id)?.(message.payload ?? {});
      else if (message.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
    });
    ws.on("close", (code) => reject(new Error(`closed with ${code} before the ack`)));
  });
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function openSockets(pid: number): Promise<number> {
  let n = 0;
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")).startsWith("socket:")) n++;
  }
  return n;
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function main(): Promise<void> {
  const prefixProbe = new Redis(REDIS);
  stage("starting six subgraphs and a gateway, each in its own process");
  const topology = await startTopology({ serverDatabaseUrl: SERVER, redisUrl: REDIS, gateways: 1, env: BENCH_RATE_LIMITS, inspectGateways: true });
  try {
    const gateway = topology.gateways[0]!;
    const wsUrl = gateway.replace(/^http/, "ws");
    const gatewayPid = topology.pid("gateway-0");
    const tradesPid = topology.pid("trades");

    // 1. Mutation-to-event latency with 1 000 subscribers, on a graph at rest; measured again
    //    after the idle phase, when 15 000 subscribers have come and gone.
    stage("registering 101 members for the latency run");
    const register = async (name: string) => {
      const input = { email: `rt-${randomUUID()}@localex.bench`, password: "correct horse battery", displayName: name };
      const { register } = await gql<Session<"register">>(gateway, `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`, {
        input,
      });
      return { id: register.user.id, token: register.accessToken };
    };
    const proposer = await register("Proposer");
    const members = await Promise.all(Array.from({ length: 100 }, (_, i) => register(`Member ${i}`)));
    /** 200 proposals, each to one of 100 members holding 10 subscriptions each. */
    const measureLatency = async (when: string) => {
      // Every event's arrival, by trade id, from the first one on: an event may come before the
      // mutation's answer has told us the trade's id, and it counts like any other.
      const arrivals = new Map<string, number[]>();
      const sockets = await Promise.all(
        members.map(async (m) => {
          const socket = await connect(wsUrl, m.token);
          for (let i = 0; i < 10; i++) {
            socket.subscribe(FEED, {}, (payload) => {
              const at = performance.now();
              const id = (payload.data as { tradeUpdated?: { id: string } } | undefined)?.tradeUpdated?.id;
              if (!id) return;
              const times = arrivals.get(id) ?? [];
              times.push(at);
              arrivals.set(id, times);
            });
          }
          return socket;
        }),
      );
      await new Promise((r) => setTimeout(r, 2000));
      stage(`${WARM_UP} proposals to warm up (not counted), then 200, each to one of the 100 members (10 subscriptions each)`);
      const proposals: { id: string; started: number; answered: number }[] = [];
      const received = (id: string) => arrivals.get(id)?.length ?? 0;
      for (let i = -WARM_UP; i < 200; i++) {
        const to = members[(i + WARM_UP) % members.length]!;
        const started = performance.now();
        const { proposeTrade } = await gql<TradeAnswer<"proposeTrade">>(
          gateway,
          `mutation($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } } }`,
          { input: { recipientId: to.id, offeredCredits: 1 }, key: randomUUID() },
          proposer.token,
        );
        const answered = performance.now();
        const { id } = proposeTrade.trade;
        // One proposal at a time: the next goes once this one's 10 events are in (or after 1 s).
        for (let w = 0; w < 200 && received(id) < 10; w++) await new Promise((r) => setTimeout(r, 5));
        // The warm-up's are not counted: every process's code paths compiled, pools filled.
        if (i >= 0) proposals.push({ id, started, answered });
      }
      // Stragglers past their proposal's second still count, with their own latency.
      for (let w = 0; w < 200 && proposals.some((p) => received(p.id) < 10); w++) await new Promise((r) => setTimeout(r, 5));
      const latencies = proposals.flatMap((p) => (arrivals.get(p.id) ?? []).map((at) => at - p.started)).sort((a, b) => a - b);
      const early = proposals.reduce((n, p) => n + (arrivals.get(p.id) ?? []).filter((at) => at < p.answered).length, 0);
      const answered = proposals.map((p) => p.answered - p.started).sort((a, b) => a - b);
      console.log(
        `mutation-to-event latency, 1 000 subscribers, ${when}: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms ` +
          `(${latencies.length} events of ${200 * 10} expected, ${early} of them before the mutation's answer); ` +
          `the mutation itself answered in p50 ${percentile(answered, 50).toFixed(1)} ms, p99 ${percentile(answered, 99).toFixed(1)} ms`,
      );
      await Promise.all(sockets.map((s) => s.close()));
    };
    await measureLatency("at rest");

    // 2. Idle subscribers until 1 GiB.
    const idle: Socket[] = [];
    const inspector = topology.inspectorPort("gateway-0")!;
    const heapAtRest: HeapReading = await heapAfterCollection(inspector);
    const baseline = await rss(gatewayPid);
    stage(`idle subscribers: gateway RSS ${mb(baseline)} at rest`);
    let held = 0;
    let atBudget = false;
    while (held < MAX_SUBSCRIBERS && !atBudget) {
      const batch = await Promise.all(
        Array.from({ length: 500 }, async () => {
          const socket = await connect(wsUrl, await mint(randomUUID()));
          socket.subscribe(FEED, {}, () => {});
          return socket;
        }),
      );
      idle.push(...batch);
      held = idle.length;
      const now = await rss(gatewayPid);
      if (held % 2500 === 0) stage(`  ${held} subscribers: gateway RSS ${mb(now)}`);
      atBudget = now >= RSS_BUDGET;
    }
    await new Promise((r) => setTimeout(r, 2000)); // let the subscriptions settle upstream
    const heldRss = await rss(gatewayPid);
    const perSubscriber = (heldRss - baseline) / held;
    console.log(
      `idle subscribers held: ${held} (${atBudget ? "stopped at 1 GiB" : `BENCH_MAX_SUBSCRIBERS reached`}); gateway RSS ${mb(baseline)} → ${mb(heldRss)}, ${(perSubscriber / 1024).toFixed(1)} KiB per subscriber`,
    );
    console.log(
      `  projected within 1 GiB: ${Math.floor((RSS_BUDGET - baseline) / perSubscriber)} subscribers; trades subgraph RSS ${mb(await rss(tradesPid))}`,
    );
    // The same, after full garbage collections: what the subscribers themselves hold.
    const heapHeld = await heapAfterCollection(inspector);
    const perHeld = (a: HeapReading, b: HeapReading) => (b.heapUsed + b.external - (a.heapUsed + a.external)) / held / 1024;
    console.log(
      `  after full GCs: gateway heap ${mb(heapAtRest.heapUsed)} → ${mb(heapHeld.heapUsed)}, external ${mb(heapAtRest.external)} → ${mb(heapHeld.external)}, ` +
        `${perHeld(heapAtRest, heapHeld).toFixed(1)} KiB (heap + external) per subscriber; RSS ${mb(heapAtRest.rss)} → ${mb(heapHeld.rss)}`,
    );
    await Promise.all(idle.map((s) => s.close()));

    await measureLatency("right after them");

    // 3. Leaks after connect/subscribe/disconnect cycles.
    const { id: tradeId } = (
      await gql<TradeAnswer<"proposeTrade">>(
        gateway,
        `mutation($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } } }`,
        { input: { recipientId: members[0]!.id, offeredCredits: 1 }, key: randomUUID() },
        proposer.token,
      )
    ).proposeTrade.trade;
    const channels = async () => (await prefixProbe.pubsub("CHANNELS", "localex-topology-*")).length;
    await new Promise((r) => setTimeout(r, 2000));
    const before = {
      gatewaySockets: await openSockets(gatewayPid),
      tradesSockets: await openSockets(tradesPid),
      channels: await channels(),
      rss: await rss(gatewayPid),
    };
    stage(`${CYCLES} cycles: connect, subscribe to a trade (its current state arrives), disconnect; 10 at a time`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < CYCLES) {
          next++;
          const socket = await connect(wsUrl, proposer.token);
          await new Promise<void>((resolve) => socket.subscribe(`subscription($id: ID) { tradeUpdated(id: $id) { id } }`, { id: tradeId }, () => resolve()));
          await socket.close();
        }
      }),
    );
    let after = before;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = {
        gatewaySockets: await openSockets(gatewayPid),
        tradesSockets: await openSockets(tradesPid),
        channels: await channels(),
        rss: await rss(gatewayPid),
      };
      if (after.gatewaySockets <= before.gatewaySockets && after.channels <= before.channels) break;
    }
    console.log(
      `after ${CYCLES} cycles: gateway sockets ${before.gatewaySockets} → ${after.gatewaySockets}, trades sockets ${before.tradesSockets} → ${after.tradesSockets}, ` +
        `Redis channels ${before.channels} → ${after.channels}, gateway RSS ${mb(before.rss)} → ${mb(after.rss)}`,
    );
  } finally {
    prefixProbe.disconnect();
    await topology.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
