// What one page asks of the tiers behind a gateway: GraphQL operations the six subgraphs served
// (the gateway's fetches, and any call one subgraph makes to another) and SQL statements they
// sent, read from each subgraph's own Prometheus counters (/metrics) around a few pages sent
// one at a time, each as a different member (or anonymous).
import { Pool } from "undici";
import { ask, type Callers, type Contender } from "./gateway-load.ts";
import { scrape } from "../harness/metrics.ts";

export interface PerPage {
  /** GraphQL operations the subgraphs served, per page. */
  fetches: number;
  /** SQL statements the subgraphs sent, per page. */
  statements: number;
  /** Operations per page by `service/operation` (what each fetch is, for the table's notes). */
  byOperation: Record<string, number>;
}

const PAGES = 20;

const OPERATIONS = "localex_graphql_operation_duration_seconds_count";

/** Every sample of the counter `name` (scrape's keys are `name` or `name{labels}`). */
function samplesOf(samples: Map<string, number>, name: string): [labels: string, value: number][] {
  return [...samples].filter(([key]) => key === name || key.startsWith(`${name}{`)).map(([key, value]) => [key.slice(name.length), value]);
}

async function countersOf(metricsUrls: string[]): Promise<PerPage> {
  const scraped = await Promise.all(metricsUrls.map((url) => scrape(url)));
  const total = (name: string) => scraped.reduce((n, samples) => n + samplesOf(samples, name).reduce((sum, [, value]) => sum + value, 0), 0);
  const byOperation: Record<string, number> = {};
  for (const [labels, value] of scraped.flatMap((samples) => samplesOf(samples, OPERATIONS))) {
    const key = `${/service="([^"]*)"/.exec(labels)?.[1]}/${/operation="([^"]*)"/.exec(labels)?.[1]}`;
    byOperation[key] = (byOperation[key] ?? 0) + value;
  }
  return { fetches: total(OPERATIONS), statements: total("localex_sql_statements_total"), byOperation };
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
