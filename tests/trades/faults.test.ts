import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { GraphQLResponse, TestUser } from "../harness/client.ts";
import { disagreements } from "./consistency.ts";
import { clearFaults, installFaults, killCount } from "./faults.ts";
import { ACCEPT, adminClient, balances, CONFIRM, database, type Payload, RECONCILIATION, type Reconciled, recoverTrades, swapTrade } from "./helpers.ts";

const TRADES = 8;

interface Case {
  ann: TestUser;
  bob: TestUser;
  id: string;
  acceptKey: string;
}

/** A mutation that may fail any way a fault allows: as data, or as a GraphQL error. */
async function attempt(user: TestUser, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<Record<string, Payload>>> {
  return user.client.request<Record<string, Payload>>(query, variables);
}

async function ledgerSnapshot(cases: Case[]) {
  const sql = database();
  const holds = await sql`select hold_key, amount, status from ledger.holds where trade_id in ${sql(cases.map((c) => c.id))} order by hold_key`;
  const money = await balances(...cases.flatMap((c) => [c.ann, c.bob]));
  return { holds: holds.map((h) => `${h.hold_key} ${h.amount} ${h.status}`), money };
}

function statusesOf(rows: readonly { id: string; status: string }[], status: string): string[] {
  return rows.filter((r) => r.status === status).map((r) => r.id);
}

function chunk<T>(items: T[]): [T, T][] {
  const pairs: [T, T][] = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  return pairs;
}

describe("faults in the middle of accepts and completions", () => {
  it("ends with every trade, hold and listing in agreement after recovery; replays move nothing", async () => {
    const cases: Case[] = [];
    const setUp = async () => {
      const { ann, bob, annListings, bobListings, trade } = await swapTrade();
      cases.push({ ann, bob, id: trade.id, acceptKey: randomUUID() });
    };
    // Two at a time: enough to be quick, gentle on a database other runs share.
    for (let i = 0; i < TRADES; i += 2) await Promise.all([setUp(), setUp()]);
    const ids = cases.map((c) => c.id);
    const killedBefore = await killCount().catch(() => 0);
    await installFaults(ids, { ledger: 0.5, listings: 0.3, trades: 0.3 });
    const outcomes: Record<string, number> = {};
    const tally = (res: GraphQLResponse<Record<string, Payload>>) => {
      const payload = res.data ? Object.values(res.data)[0] : undefined;
      const key = res.errors?.length ? `graphql:${res.errors[0]?.extensions?.code}` : (payload?.errors[0]?.code ?? "ok");
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    };
    try {
      // Each accept twice at once (a double click), then both confirmations at once.
      const accepts = await Promise.all(
        cases.flatMap((c) => [attempt(c.bob, ACCEPT, { id: c.id, key: c.acceptKey }), attempt(c.bob, ACCEPT, { id: c.id, key: c.acceptKey })]),
      );
      accepts.forEach(tally);
      const confirms = await Promise.all(cases.flatMap((c) => [attempt(c.ann, CONFIRM, { id: c.id }), attempt(c.bob, CONFIRM, { id: c.id })]));
      confirms.forEach(tally);
    } finally {
      await clearFaults(ids);
    }
    const killed = (await killCount()) - killedBefore;
    console.info(`fault injection: ${killed} statements failed; outcomes ${JSON.stringify(outcomes)}`);
    expect(killed).toBeGreaterThan(0);

    // Recovery drives everything left between steps to an end.
    const [left] = await database()<{ stuck: number }[]>`
      select count(*)::int as stuck from trades.trades where id in ${database()(ids)} and saga is not null`;
    let report = await recoverTrades();
    console.info(`recovery: ${left?.stuck} trades were left between steps; ${JSON.stringify(report)}`);
    for (let i = 0; i < 5 && report.pending > 0; i++) report = await recoverTrades();
    expect(report.pending).toBe(0);
    expect(await disagreements(ids)).toEqual([]);
    const statuses = await database()`select status, count(*)::int as n from trades.trades where id in ${database()(ids)} group by status`;
    console.info(`after recovery: ${statuses.map((s) => `${s.status}=${s.n}`).join(" ")}`);
    for (const s of statuses) expect(["PROPOSED", "ACCEPTED", "COMPLETED"]).toContain(s.status);

    // Replaying every accept that started (its key is on the trade) with its key, and the
    // confirmations of completed trades, moves nothing. (An accept whose first transaction
    // failed never started: its key means nothing yet, and a retry with it is a first try.)
    const before = await ledgerSnapshot(cases);
    const rows = await database()<{ id: string; status: string; accept_key: string | null }[]>`
      select id, status, accept_key from trades.trades where id in ${database()(ids)}`;
    const completed = new Set(statusesOf(rows, "COMPLETED"));
    const started = cases.filter((c) => rows.some((r) => r.id === c.id && r.accept_key === c.acceptKey));
    console.info(`replaying ${started.length} accepts that started`);
    const replays = await Promise.all([
      ...started.map((c) => attempt(c.bob, ACCEPT, { id: c.id, key: c.acceptKey })),
      ...cases.filter((c) => completed.has(c.id)).map((c) => attempt(c.ann, CONFIRM, { id: c.id })),
    ]);
    for (const r of replays) expect(r.errors).toBeUndefined();
    await recoverTrades();
    expect(await ledgerSnapshot(cases)).toEqual(before);
    expect(await disagreements(ids)).toEqual([]);

    // Without faults, every trade can still be finished: accepted with a new click, then confirmed.
    await Promise.all(cases.map((c) => attempt(c.bob, ACCEPT, { id: c.id, key: randomUUID() })));
    await Promise.all(cases.flatMap((c) => [attempt(c.ann, CONFIRM, { id: c.id }), attempt(c.bob, CONFIRM, { id: c.id })]));
    expect(await disagreements(ids)).toEqual([]);
    const final = await database()<{ id: string; status: string }[]>`select id, status from trades.trades where id in ${database()(ids)}`;
    expect(statusesOf(final, "COMPLETED")).toHaveLength(TRADES);
    // Every credit is accounted for: each ann paid 30 and got 10, each bob the other way round.
    for (const [ann, bob] of chunk(await balances(...cases.flatMap((c) => [c.ann, c.bob])))) {
      expect(ann).toEqual({ balance: 80, held: 0, available: 80 });
      expect(bob).toEqual({ balance: 120, held: 0, available: 120 });
    }

    const { ledgerReconciliation } = await (await adminClient()).data<Reconciled>(RECONCILIATION);
    expect(ledgerReconciliation.differences).toEqual([]);
    expect(ledgerReconciliation.transfersUnbalanced).toBe(0);
  }, 120_000);
});
