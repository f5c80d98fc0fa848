// `pnpm bench:members`: members(query:) through the gateway at 100 000 members. Seeds the members
// straight into identity.users with bulk SQL (names from common Dutch and English first names and
// surnames, about 70 % with a handle, 1 % departing), then prints the latency of pages of 20 by
// kind of query (one client at a time, then BENCH_CLIENTS at once) and the SQL statements a page
// of 10, 20 and 50 members with avatars and ratings costs identity, media and trades.
//   DATABASE_URL   a server to use (a fresh database is created and dropped); unset: an embedded PostgreSQL in a temporary directory
//   BENCH_MEMBERS  how many members to seed (default 100000); BENCH_QUERIES per kind (default 100); BENCH_CLIENTS (default 8)
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { connect, createLogger, database, loadConfig } from "@localex/common";
import { schema } from "../../subgraphs/identity/src/db/schema.ts";
import { MembersService } from "../../subgraphs/identity/src/members/members.service.ts";
import { startStack } from "@localex/stack";
import { ANY_PORTS, freshDatabase } from "../harness/databases.ts";
import { sample, scrape } from "../harness/metrics.ts";
import { BENCH_RATE_LIMITS, gql, stage, useEmbeddedPostgres, type Session } from "./support.ts";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);

const FIRST = [
  "Anna",
  "Emma",
  "Sophie",
  "Julia",
  "Lotte",
  "Sanne",
  "Eva",
  "Lisa",
  "Fleur",
  "Noor",
  "Daan",
  "Sem",
  "Lucas",
  "Levi",
  "Finn",
  "Milan",
  "Jesse",
  "Thijs",
  "Bram",
  "Ruben",
  "Jan",
  "Pieter",
  "Willem",
  "Maarten",
  "Joost",
  "Annemarie",
  "Marieke",
  "Marloes",
  "Hendrik",
  "Cornelis",
  "Oliver",
  "Amelia",
  "George",
  "Isla",
  "Harry",
  "Ava",
  "Jack",
  "Mia",
  "Charlie",
  "Grace",
  "Thomas",
  "Emily",
  "James",
  "Sophia",
  "William",
  "Olivia",
  "Mohammed",
  "Fatima",
  "Yusuf",
  "Aisha",
];
const LAST = [
  "de Jong",
  "Jansen",
  "de Vries",
  "van den Berg",
  "van Dijk",
  "Bakker",
  "Janssen",
  "Visser",
  "Smit",
  "Meijer",
  "de Boer",
  "Mulder",
  "de Groot",
  "Bos",
  "Vos",
  "Peters",
  "Hendriks",
  "van Leeuwen",
  "Dekker",
  "Brouwer",
  "de Wit",
  "Dijkstra",
  "Smits",
  "de Graaf",
  "van der Meer",
  "Smith",
  "Jones",
  "Taylor",
  "Brown",
  "Williams",
  "Wilson",
  "Johnson",
  "Davies",
  "Robinson",
  "Wright",
  "Thompson",
  "Evans",
  "Walker",
  "White",
  "Roberts",
  "Green",
  "Hall",
  "Wood",
  "Jackson",
  "Clarke",
  "El Amrani",
  "Yilmaz",
  "Kaya",
  "Demir",
  "Bouzid",
];

/** Pages of 20 by kind of query: what members type when looking for someone. */
const KINDS: Record<string, (i: number) => string> = {
  "handle, exact": (i) => `@${handleOf(10 * ((i * 7919) % Math.floor(MEMBERS / 10)) + (i % 7))}`,
  "handle prefix": (i) => `@${FIRST[i % FIRST.length]!.toLowerCase().slice(0, 4)}`,
  "name prefix (2 letters)": (i) => FIRST[(i * 3) % FIRST.length]!.slice(0, 2),
  "first + last name": (i) => `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`,
  "surname word": (i) => LAST[(i * 11) % LAST.length]!.split(" ").at(-1)!,
  "typo (fuzzy)": (i) => typo(`${FIRST[i % FIRST.length]} ${LAST[(i * 13) % LAST.length]!.split(" ").at(-1)}`),
  "no match": () => `zq${randomUUID().slice(0, 6)}`,
};

/** The handle the seed gives member n (if n % 10 < 7), as seed() computes it in SQL. */
function handleOf(n: number): string {
  const first = FIRST[n % FIRST.length]!.toLowerCase().slice(0, 8);
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length]!.toLowerCase()
    .replace(/[^a-z]/g, "")
    .slice(0, 5);
  return `${first}_${last}${n}`;
}
/** Two neighbouring letters swapped in the last word. */
function typo(text: string): string {
  const at = text.length - 3;
  return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function seed(sql: ReturnType<typeof connect>): Promise<void> {
  const first = FIRST.join("|");
  const last = LAST.join("|");
  // n runs from 0: member n is FIRST[n % 50] LAST[(n / 50) % 50], with the handle handleOf(n) when n % 10 < 7.
  for (let from = 0; from < MEMBERS; from += 25_000) {
    const to = Math.min(MEMBERS, from + 25_000) - 1;
    await sql`
      insert into identity.users (email, password_hash, display_name, handle, email_verified, deletion_requested_at, created_at)
      select 'bench-' || n || '@members.bench', '!bench', f || ' ' || l,
        case when n % 10 < 7 then left(lower(f), 8) || '_' || left(regexp_replace(lower(l), '[^a-z]', '', 'g'), 5) || n end,
        true, case when n % 100 = 99 then now() end, now() - make_interval(days => n % 1500)
      from generate_series(${from}::int, ${to}::int) n,
        lateral (select (string_to_array(${first}::text, '|'))[1 + n % ${FIRST.length}] as f,
          (string_to_array(${last}::text, '|'))[1 + (n / ${FIRST.length}) % ${LAST.length}] as l) names`;
    stage(`seeded ${to + 1} members`);
  }
  await sql`analyze identity.users`;
}

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const env: NodeJS.ProcessEnv = { NODE_ENV: "test", LOG_LEVEL: "warn", ...ANY_PORTS, ...BENCH_RATE_LIMITS };
  if (process.env.DATABASE_URL) {
    const db = await freshDatabase(process.env.DATABASE_URL, "localex_bench_members");
    cleanups.push(db.drop);
    env.DATABASE_URL = db.url;
  } else {
    await useEmbeddedPostgres(env, cleanups);
  }
  const config = loadConfig(env);
  stage("starting the stack");
  const stack = await startStack(config, createLogger(config.app.logLevel));
  cleanups.unshift(() => stack.stop());
  const sql = connect(stack.databaseUrl, { max: 2, applicationName: "localex-bench" });
  cleanups.unshift(() => sql.end({ timeout: 5 }));
  try {
    const url = stack.gatewayUrl;
    let started = performance.now();
    await seed(sql);
    const [counted] = await sql<{ living: number }[]>`select count(*)::int as living from identity.users where deletion_requested_at is null`;
    const living = counted?.living ?? 0;
    console.log(
      `members bench: ${MEMBERS} members seeded with bulk SQL in ${((performance.now() - started) / 1000).toFixed(1)} s (${living} not departing), PostgreSQL ${process.env.DATABASE_URL ? "at DATABASE_URL" : "embedded"}`,
    );
    const input = { email: `asker-${randomUUID()}@members.bench`, password: "correct horse battery", displayName: "Asker" };
    const { register } = await gql<Session<"register">>(url, `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`, {
      input,
    });
    const token = register.accessToken;

    const PAGE = `query ($q: String!, $first: Int) { members(query: $q, first: $first) { totalCount edges { node { id handle displayName memberSince avatar { url } rating completedTrades } } } }`;
    const ask = (q: string, first = 20) => gql<{ members: { totalCount: number; edges: unknown[] } }>(url, PAGE, { q, first }, token);
    // Warm: the plan and the pages the indexes need.
    for (const [, query] of Object.entries(KINDS)) for (let i = 0; i < 5; i++) await ask(query(i));

    console.log(`\nA page of 20 (handle displayName memberSince avatar rating completedTrades), ${QUERIES} queries per kind, one at a time;`);
    console.log("through the gateway, and its SQL statement alone (identity's MembersService on a connection of the bench's):");
    const service = new MembersService(database(sql, schema));
    const all: number[] = [];
    const allAlone: number[] = [];
    for (const [kind, query] of Object.entries(KINDS)) {
      const times: number[] = [];
      const alone: number[] = [];
      const totals: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        let t = performance.now();
        const { members } = await ask(query(i));
        times.push(performance.now() - t);
        totals.push(members.totalCount);
        t = performance.now();
        await service.find(query(i), 20, null);
        alone.push(performance.now() - t);
      }
      for (const xs of [times, alone, totals]) xs.sort((a, b) => a - b);
      all.push(...times);
      allAlone.push(...alone);
      console.log(
        `  ${kind.padEnd(24)} p50 ${ms(percentile(times, 50)).padStart(8)}  p95 ${ms(percentile(times, 95)).padStart(8)}  | SQL p50 ${ms(percentile(alone, 50)).padStart(8)}  p95 ${ms(percentile(alone, 95)).padStart(8)}  (median totalCount ${percentile(totals, 50)}, e.g. "${query(1)}")`,
      );
    }
    for (const xs of [all, allAlone]) xs.sort((a, b) => a - b);
    console.log(
      `  ${"all kinds".padEnd(24)} p50 ${ms(percentile(all, 50)).padStart(8)}  p95 ${ms(percentile(all, 95)).padStart(8)}  | SQL p50 ${ms(percentile(allAlone, 50)).padStart(8)}  p95 ${ms(percentile(allAlone, 95)).padStart(8)}`,
    );

    const mixed = Object.values(KINDS);
    const concurrent: number[] = [];
    let sent = 0;
    const total = QUERIES * mixed.length;
    started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = sent++; i < total; i = sent++) {
          const t = performance.now();
          await ask(mixed[i % mixed.length]!(Math.floor(i / mixed.length)));
          concurrent.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    concurrent.sort((a, b) => a - b);
    console.log(
      `\n${CLIENTS} clients at once, the kinds mixed: ${(total / seconds).toFixed(1)} pages/s, p50 ${ms(percentile(concurrent, 50))}, p95 ${ms(percentile(concurrent, 95))}`,
    );

    // One scrape per reading (the whole stack is this process: one scrape has every pool's count).
    const metrics = stack.subgraphs.find((s) => s.name === "identity")!.url.replace(/\/graphql$/, "/metrics");
    const applications = ["identity", "media", "trades"];
    const statements = async () => {
      const samples = await scrape(metrics);
      return applications.map((a) => sample(samples, "localex_sql_statements_total", { application: `localex-${a}` }));
    };
    // A scrape counts the job queue with a statement of its own, on one subgraph's pool: what two
    // readings with nothing between them differ by is taken off.
    const leastOf = async (work: () => Promise<void>) => {
      const least = applications.map(() => Infinity);
      for (let i = 0; i < 5; i++) {
        const before = await statements();
        await work();
        (await statements()).forEach((n, k) => (least[k] = Math.min(least[k]!, n - before[k]!)));
      }
      return least;
    };
    const idle = await leastOf(async () => {});
    console.log("\nSQL statements per request (the least of 5 tries, the scrapes' own taken off):");
    for (const first of [10, 20, 50]) {
      const least = await leastOf(async () => {
        const { members } = await ask("an", first);
        if (members.edges.length !== first) throw new Error(`a page of ${first} came back with ${members.edges.length}`);
      });
      const own = least.map((n, k) => n - idle[k]!);
      console.log(`  page of ${String(first).padStart(2)}: ${own.reduce((a, b) => a + b, 0)} (${applications.map((a, k) => `${a} ${own[k]}`).join(", ")})`);
    }
  } finally {
    stage("stopping");
    for (const cleanup of cleanups) await cleanup().catch((e: unknown) => stage(`cleanup failed: ${String(e)}`));
  }
}

await main();
