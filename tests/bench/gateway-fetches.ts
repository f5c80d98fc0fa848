// What one page asks of the tiers behind a gateway: GraphQL operations the six subgraphs served
// (the gateway's fetches, and any call one subgraph makes to another) and SQL statements they
// sent, read from each subgraph's own Prometheus counters (/metrics) around a few pages sent
// one at a time, each as a different member (or anonymous).
import { Pool } from "undici";
import { ask, type Callers, type Contender } from "./gateway-load.ts";

export interface PerPage {
  /** GraphQL operations the subgraphs served, per page. */
  fetches: number;
  /** SQL statements the subgraphs sent, per page. */
  statements: number;
  /** Operations per page by `service/operation` (what each fetch is, for the table's notes). */
  byOperation: Record<string, number>;
}

const PAGES = 20;

/** The sum of every sample of the counter `name` in a Prometheus text exposition. */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

const OPERATIONS = "localex_graphql_operation_duration_seconds_count";

/** Each operation counter's samples by `service/operation`. */
function operationCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${OPERATIONS}{`)) continue;
    const service = /service="([^"]*)"/.exec(line)?.[1];
    const operation = /operation="([^"]*)"/.exec(line)?.[1];
    const key = `${service}/${operation}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return counts;
}

async function countersOf(metricsUrls: string[]): Promise<PerPage> {
  const texts = await Promise.all(metricsUrls.map(async (url) => (await fetch(url)).text()));
  return {
    fetches: texts.reduce((n, t) => n + counterSum(t, OPERATIONS), 0),
    statements: texts.reduce((n, t) => n + counterSum(t, "localex_sql_statements_total"), 0),
    byOperation: Object.assign({}, ...texts.map(operationCounts)) as Record<string, number>,
  };
}

/** Subgraph operations and SQL statements per page through `contender`, over PAGES pages sent in turn. */
export async function perPage(contender: Contender, metricsUrls: string[], callers: Callers | null): Promise<PerPage> {
  const url = new URL(contender.url);
  const pool = new Pool(url.origin, { connections: 1 });
  const before = await countersOf(metricsUrls);
  for (let i = 0; i < PAGES; i++) {
    const token = callers?.take();
    try {
      await ask(pool, url.pathname, token);
    } finally {
      callers?.giveBack(token);
    }
  }
  const after = await countersOf(metricsUrls);
  await pool.close();
  const byOperation: Record<string, number> = {};
  for (const [key, count] of Object.entries(after.byOperation)) {
    const delta = (count - (before.byOperation[key] ?? 0)) / PAGES;
    if (delta > 0) byOperation[key] = delta;
  }
  return { fetches: (after.fetches - before.fetches) / PAGES, statements: (after.statements - before.statements) / PAGES, byOperation };
}
