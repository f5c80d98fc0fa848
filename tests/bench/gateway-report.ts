// What `pnpm bench:gateway` prints at the end: one line per gateway (throughput, latency, CPU
// per request of each tier), then its ratios against the peers, like for like only: ours with
// deduplication off against peers without it, ours with it on against Hive's defaults (which
// deduplicate too). Ours with deduplication on is never set against a peer that has it off.
import type { PerPage } from "./gateway-fetches.ts";
import type { ContenderKey, Slot } from "./gateway-load.ts";

export interface Summary {
  key: ContenderKey;
  name: string;
  requests: number;
  failed: number;
  firstFailure?: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** CPU ms per request: the gateway's process, the six subgraphs', the PostgreSQL server's (null: unread). */
  gatewayCpu: number;
  subgraphsCpu: number;
  postgresCpu: number | null;
  /** What one page asks of the subgraphs: operations served and SQL statements sent. */
  page: PerPage;
  /** CPU ms per request of each subgraph's process. */
  subgraphCpu: Record<string, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export function summarise(key: ContenderKey, name: string, slots: Slot[], page: PerPage): Summary {
  const sum = (f: (s: Slot) => number) => slots.reduce((n, s) => n + f(s), 0);
  const requests = sum((s) => s.requests);
  const latencies = slots.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const postgresRead = slots.every((s) => s.cpu.postgres !== null);
  return {
    key,
    name,
    requests,
    failed: sum((s) => s.failed),
    firstFailure: slots.find((s) => s.firstFailure)?.firstFailure,
    rps: requests / sum((s) => s.seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    gatewayCpu: sum((s) => s.cpu.gateway) / requests,
    subgraphsCpu: sum((s) => s.cpu.subgraphs) / requests,
    postgresCpu: postgresRead ? sum((s) => s.cpu.postgres ?? 0) / requests : null,
    page,
    subgraphCpu: Object.fromEntries(Object.keys(slots[0]?.subgraphCpu ?? {}).map((name) => [name, sum((s) => s.subgraphCpu[name] ?? 0) / requests])),
  };
}

const ms = (value: number | null, width: number) => (value === null ? "n/a" : `${value.toFixed(2)} ms`).padStart(width);

export function printTable(summaries: Summary[]): void {
  console.log("CPU per request: the gateway's process, the six subgraphs' processes, the bench's PostgreSQL server, all three;");
  console.log("per page: the subgraphs' GraphQL operations (fetches) and SQL statements, one page at a time");
  console.log(
    `${"gateway".padEnd(40)}${"req/s".padStart(8)}${"p50".padStart(10)}${"p95".padStart(10)}${"p99".padStart(10)}${"gateway".padStart(11)}${"subgraphs".padStart(11)}${"Postgres".padStart(11)}${"all".padStart(11)}${"requests".padStart(10)}${"fetches".padStart(9)}${"SQL".padStart(7)}`,
  );
  for (const s of summaries) {
    const all = s.postgresCpu === null ? null : s.gatewayCpu + s.subgraphsCpu + s.postgresCpu;
    console.log(
      `${s.name.padEnd(40)}${s.rps.toFixed(1).padStart(8)}${`${s.p50.toFixed(1)} ms`.padStart(10)}${`${s.p95.toFixed(1)} ms`.padStart(10)}${`${s.p99.toFixed(1)} ms`.padStart(10)}` +
        `${ms(s.gatewayCpu, 11)}${ms(s.subgraphsCpu, 11)}${ms(s.postgresCpu, 11)}${ms(all, 11)}${String(s.requests).padStart(10)}${s.page.fetches.toFixed(1).padStart(9)}${s.page.statements.toFixed(1).padStart(7)}`,
    );
  }
  for (const s of summaries) {
    const each = Object.entries(s.page.byOperation)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operation, n]) => `${operation} ${Number(n.toFixed(2))}`);
    console.log(`  ${s.name}, per page: ${each.join(", ")}`);
    const cpu = Object.entries(s.subgraphCpu).map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
    console.log(`  ${s.name}, each subgraph's CPU ms per request: ${cpu.join(", ")}`);
  }
  for (const s of summaries.filter((x) => x.failed > 0))
    console.log(`${s.name}: ${s.failed} answers with errors (counted in req/s, not in latencies); the first: ${s.firstFailure!.slice(0, 300)}`);
}

const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

/**
 * Ratios of ours against each peer it is like for like with, and issue 24's per-page targets;
 * a verdict whose peer was not run (BENCH_GATEWAYS) is left out.
 */
export function printVerdicts(summaries: Summary[]): void {
  const by = (key: ContenderKey) => summaries.find((s) => s.key === key);
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(66)}${value}`);
  const cpu = (ours: Summary, peer: Summary | undefined, target?: number) => {
    if (!peer) return;
    const ratio = ours.gatewayCpu / peer.gatewayCpu;
    line(
      `gateway CPU per request, ÷ ${peer.name}:`,
      `${ratio.toFixed(2)}${target === undefined ? "" : ` (target ≤ ${target.toFixed(2)}: ${verdict(ratio <= target)})`}`,
    );
  };
  const throughput = (ours: Summary, peer: Summary | undefined, target?: number) => {
    if (!peer) return;
    const ratio = ours.rps / peer.rps;
    line(`throughput, ÷ ${peer.name}:`, `${ratio.toFixed(2)}×${target === undefined ? "" : ` (target ≥ ${target.toFixed(1)}: ${verdict(ratio >= target)})`}`);
  };

  const off = by("oursOff");
  if (off) {
    console.log(`\nLike for like, deduplication off on both sides: ${off.name} against`);
    cpu(off, by("stock"), 0.5);
    cpu(off, by("hiveOff"), 1 / 1.2);
    cpu(off, by("hiveRouterOff"), 0.6);
    throughput(off, by("stock"));
    throughput(off, by("hiveOff"));
    throughput(off, by("hiveRouterOff"));
    const router = by("hiveRouterOff");
    if (router)
      line(
        `subgraph fetches per page, against ${router.name}:`,
        `${off.page.fetches.toFixed(1)} vs ${router.page.fetches.toFixed(1)} (${verdict(off.page.fetches <= router.page.fetches)})`,
      );
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    line("subgraphs' CPU per page (target ≤ 3 ms):", `${ms(off.subgraphsCpu)} (${verdict(off.subgraphsCpu <= 3)})`);
    if (off.postgresCpu !== null) {
      line("PostgreSQL's CPU per page (target ≤ 3 ms):", `${ms(off.postgresCpu)} (${verdict(off.postgresCpu <= 3)})`);
      const all = off.gatewayCpu + off.subgraphsCpu + off.postgresCpu;
      line("all three per page (target ≤ 8 ms):", `${ms(all)} (${verdict(all <= 8)})`);
    }
  }

  const on = by("ours");
  if (on) {
    console.log(`Like for like, in-flight deduplication on both sides (each one's default): ${on.name} against`);
    cpu(on, by("hive"));
    cpu(on, by("hiveRouter"));
    throughput(on, by("hive"), 1.2);
    throughput(on, by("hiveRouter"));
  }
}
