// The load `pnpm bench:gateway` puts on one gateway for one slot, and what it costs each tier:
// the gateway's process, the six subgraph processes together, and the bench's PostgreSQL server.
import { Pool } from "undici";
import { processCpuMs } from "./cpu.ts";
import { SEARCH_WORD } from "./gateway-seed.ts";

export const SEARCH_PAGE = /* GraphQL */ `
  query SearchPage($query: String, $first: Int) {
    search(query: $query, first: $first) {
      totalCount
      edges {
        node {
          id title creditPrice condition
          category { id name }
          owner { id displayName rating avatar { url(variant: THUMBNAIL) } }
          photos { id width height url(variant: MEDIUM) }
          similar(first: 3) { id title creditPrice owner { id displayName avatar { url(variant: THUMBNAIL) } } }
        }
      }
    }
  }
`;
const BODY = JSON.stringify({ query: SEARCH_PAGE, variables: { query: SEARCH_WORD, first: 20 } });

/** Which gateway a contender is, for the ratios. */
export type ContenderKey = "ours" | "oursOff" | "stock" | "hive" | "hiveOff" | "hiveRouter" | "hiveRouterOff";

export interface Contender {
  key: ContenderKey;
  name: string;
  url: string;
  pid: () => number;
  stop: () => Promise<void>;
}

/** CPU ms used so far by the tiers behind every gateway (postgres null: not readable here). */
export interface BackendCpu {
  /** CPU ms so far of each subgraph's process, by subgraph name. */
  subgraphs: () => Record<string, number>;
  postgres: () => number | null;
}

export interface Slot {
  requests: number;
  /** Answers with errors (or not 200): counted, not timed; the first is kept to print. */
  failed: number;
  firstFailure?: string;
  seconds: number;
  latencies: number[];
  /** CPU ms over the slot: the gateway's process, the six subgraphs', the PostgreSQL server's (null: unread). */
  cpu: { gateway: number; subgraphs: number; postgres: number | null };
  /** CPU ms over the slot of each subgraph's process. */
  subgraphCpu: Record<string, number>;
}

/**
 * Who sends the requests: nobody (every request anonymous and identical, so a deduplicating
 * gateway can share subgraph answers between them), or signed-in members, each request as the
 * member who has waited longest. A member is taken for a request and given back when it is
 * answered, so no two requests in flight share a caller and none of a gateway's sharing applies.
 */
export class Callers {
  private readonly idle: string[];

  constructor(accessTokens: string[]) {
    this.idle = [...accessTokens];
  }

  get count(): number {
    return this.idle.length;
  }

  take(): string | undefined {
    return this.idle.shift();
  }

  giveBack(token: string | undefined): void {
    if (token) this.idle.push(token);
  }
}

/** One request, as `token`'s member or anonymous; the page must come back whole (no errors). */
export async function ask(pool: Pool, path: string, token?: string): Promise<string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await pool.request({ path, method: "POST", headers, body: BODY });
  const text = await response.body.text();
  if (response.statusCode !== 200 || text.includes('"errors"')) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 500)}`);
  return text;
}

/** `connections` clients, each sending the page again as soon as it is answered, for `seconds`. */
export async function load(contender: Contender, seconds: number, connections: number, callers: Callers | null, backend: BackendCpu): Promise<Slot> {
  const url = new URL(contender.url);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const before = { gateway: processCpuMs(contender.pid()), subgraphs: backend.subgraphs(), postgres: backend.postgres() };
  const total = (each: Record<string, number>) => Object.values(each).reduce((sum, ms) => sum + ms, 0);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const token = callers?.take();
        const t = performance.now();
        try {
          await ask(pool, url.pathname, token);
          latencies.push(performance.now() - t);
        } catch (e) {
          failed++;
          firstFailure ??= (e as Error).message;
        } finally {
          callers?.giveBack(token);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const postgresAfter = backend.postgres();
  const subgraphsAfter = backend.subgraphs();
  const subgraphCpu = Object.fromEntries(Object.entries(subgraphsAfter).map(([name, ms]) => [name, ms - (before.subgraphs[name] ?? 0)]));
  const cpu = {
    gateway: processCpuMs(contender.pid()) - before.gateway,
    subgraphs: total(subgraphsAfter) - total(before.subgraphs),
    postgres: before.postgres === null || postgresAfter === null ? null : postgresAfter - before.postgres,
  };
  await pool.close();
  return { requests: latencies.length + failed, failed, firstFailure, seconds: elapsed, latencies, cpu, subgraphCpu };
}

/** The page as a shape to compare across gateways: ids, counts, no URLs (signed ones differ per request). */
export function shapeOf(text: string): string {
  const page = JSON.parse(text) as {
    data: {
      search: {
        totalCount: number;
        edges: { node: { id: string; photos: unknown[] | null; similar: { id: string }[] | null; owner: { id: string; avatar: unknown } } }[];
      };
    };
  };
  const { search } = page.data;
  return JSON.stringify({
    totalCount: search.totalCount,
    nodes: search.edges.map(({ node }) => [node.id, node.owner.id, Boolean(node.owner.avatar), node.photos?.length, node.similar?.map((s) => s.id)]),
  });
}
