// `pnpm bench:trades`: whole trades through the gateway — propose, accept (listings reserved,
// two escrow holds), both confirmations (holds settled, listings traded) — with concurrent
// clients, on a fresh database. Prints latencies per step and the work behind one trade.
//   DATABASE_URL  the server to use (default postgres://postgres@127.0.0.1:5432/postgres); a fresh database is created and dropped
//   BENCH_TRADES  how many trades (default 60); BENCH_CLIENTS concurrent clients (default 8)
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, loadConfig } from "@localex/common";
import { startStack } from "@localex/stack";
import { BENCH_RATE_LIMITS, gql, stage, verifyEmail, type Session, type TradeAnswer } from "./support.ts";
import { ANY_PORTS, freshDatabase } from "../harness/databases.ts";
import { sqlStatements } from "../harness/metrics.ts";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TRADES = Number(process.env.BENCH_TRADES ?? 60);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;
const BALANCE = `{ me { account { balance } } }`;
const CATEGORIES = `{ categories { id } }`;
const CREATE = `mutation($input: CreateListingInput!) { createListing(input: $input) { listing { id } errors { code } } }`;
const PUBLISH = `mutation($id: ID!) { publishListing(id: $id) { errors { code } } }`;
const PROPOSE = `mutation($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } errors { code } } }`;
const ACCEPT = `mutation($id: ID!, $key: String!) { acceptTrade(id: $id, idempotencyKey: $key) { trade { status } errors { code } } }`;
const CONFIRM = `mutation($id: ID!) { confirmTradeCompletion(id: $id) { trade { status } errors { code } } }`;

interface Member {
  id: string;
  token: string;
  listing: string;
}

async function member(url: string, categoryId: string): Promise<Member> {
  const input = { email: `bench-${randomUUID()}@localex.bench`, password: "correct horse battery", displayName: "Bench" };
  const { register } = await gql<Session<"register">>(url, REGISTER, { input });
  const token = register.accessToken;
  await verifyEmail(url, input.email);
  while ((await gql<{ me: { account: { balance: number } } }>(url, BALANCE, {}, token)).me.account.balance < 100) await sleep(50);
  const listingInput = { title: "Bench chair", description: "For measuring.", categoryId, condition: "GOOD" };
  const { createListing } = await gql<{ createListing: { listing: { id: string } } }>(url, CREATE, { input: listingInput }, token);
  await gql(url, PUBLISH, { id: createListing.listing.id }, token);
  return { id: register.user.id, token, listing: createListing.listing.id };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function timed<T>(into: number[], work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await work();
  into.push(performance.now() - start);
  return result;
}

async function main(): Promise<void> {
  const db = await freshDatabase(SERVER, "localex_bench_trades");
  const config = loadConfig({ ...ANY_PORTS, ...BENCH_RATE_LIMITS, NODE_ENV: "test", LOG_LEVEL: "warn", DATABASE_URL: db.url });
  stage(`starting the stack on ${db.name}`);
  const stack = await startStack(config, createLogger(config.app.logLevel));
  try {
    const url = stack.gatewayUrl;
    const { categories } = await gql<{ categories: { id: string }[] }>(url, CATEGORIES, {});
    stage(`registering ${TRADES * 2} members, each with one ACTIVE listing`);
    const members: Member[] = [];
    for (let i = 0; i < TRADES * 2; i += CLIENTS) {
      members.push(...(await Promise.all(Array.from({ length: Math.min(CLIENTS, TRADES * 2 - i) }, () => member(url, categories[0]!.id)))));
    }
    const metrics = stack.subgraphs.find((s) => s.name === "trades")!.url.replace(/\/graphql$/, "/metrics");
    const statements = () => sqlStatements(metrics, "localex-trades");
    const before = await statements();

    const latency = { propose: [] as number[], accept: [] as number[], confirm: [] as number[] };
    let failures = 0;
    let next = 0;
    stage(`${TRADES} trades, ${CLIENTS} at a time`);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < TRADES; i = next++) {
          const [a, b] = [members[2 * i]!, members[2 * i + 1]!];
          const input = { recipientId: b.id, offeredListingIds: [a.listing], requestedListingIds: [b.listing], offeredCredits: 20, requestedCredits: 5 };
          const { proposeTrade } = await timed(latency.propose, () => gql<TradeAnswer<"proposeTrade">>(url, PROPOSE, { input, key: randomUUID() }, a.token));
          const { acceptTrade } = await timed(latency.accept, () =>
            gql<TradeAnswer<"acceptTrade">>(url, ACCEPT, { id: proposeTrade.trade.id, key: randomUUID() }, b.token),
          );
          await timed(latency.confirm, () => gql(url, CONFIRM, { id: proposeTrade.trade.id }, a.token));
          const { confirmTradeCompletion } = await timed(latency.confirm, () =>
            gql<TradeAnswer<"confirmTradeCompletion">>(url, CONFIRM, { id: proposeTrade.trade.id }, b.token),
          );
          if (acceptTrade.trade.status !== "ACCEPTED" || confirmTradeCompletion.trade.status !== "COMPLETED") failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const perTrade = ((await statements()) - before) / TRADES;
    const line = (step: string, xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y);
      return `${step.padEnd(8)} p50 ${percentile(sorted, 50).toFixed(1)} ms  p95 ${percentile(sorted, 95).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`;
    };
    console.log(
      `trades bench: ${TRADES} trades, ${CLIENTS} clients, ${seconds.toFixed(1)} s (${(TRADES / seconds).toFixed(1)} complete trades/s), ${failures} not completed`,
    );
    console.log(line("propose", latency.propose));
    console.log(line("accept", latency.accept));
    console.log(line("confirm", latency.confirm));
    console.log(`trades subgraph SQL statements per complete trade: ${perTrade.toFixed(1)}`);
  } finally {
    stage("stopping the stack");
    await stack.stop();
    await db.drop();
  }
}

await main();
