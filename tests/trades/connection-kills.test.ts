import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { GraphQLResponse, TestUser } from "../harness/client.ts";
import { disagreements } from "./consistency.ts";
import { markTrades, startTradeKiller, unmarkTrades } from "./kills.ts";
import { ACCEPT, adminClient, balances, CONFIRM, database, type Payload, RECONCILIATION, type Reconciled, recoverTrades, swapTrade } from "./helpers.ts";

const TRADES = 8;
/** Kills in all, whatever the machine's speed: enough to land in every step, few enough to end. */
const KILL_BUDGET = 24;
/** How often a client tries one step before leaving it (to recovery, or to the user's next visit). */
const TRIES = 6;

interface Case {
  ann: TestUser;
  bob: TestUser;
  id: string;
  /** Every accept key used, the last one being the current click's. */
  acceptKeys: string[];
}

type Response = GraphQLResponse<Record<string, Payload>>;
type Outcomes = Record<string, number>;

/** What a response was: "ok", a user error code, or "graphql:<code>" for a fault. */
function outcomeOf(res: Response): string {
  if (res.errors?.length) return `graphql:${res.errors[0]?.extensions?.code}`;
  const payload = res.data ? Object.values(res.data)[0] : undefined;
  return payload?.errors[0]?.code ?? "ok";
}

function tally(outcomes: Outcomes, res: Response): string {
  const outcome = outcomeOf(res);
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  return outcome;
}

/**
 * Bob accepts as a front-end would: each click sent twice (a double click) with the click's
 * key; a fault or IN_PROGRESS is retried with the same key; a final refusal of the click
 * (SERVICE_UNAVAILABLE: the attempt was undone) is clicked again, with a new key.
 */
async function acceptLikeAClient(c: Case, outcomes: Outcomes): Promise<void> {
  for (let i = 0; i < TRIES; i++) {
    const key = c.acceptKeys.at(-1)!;
    const clicks = await Promise.all([0, 1].map(() => c.bob.client.request<Record<string, Payload>>(ACCEPT, { id: c.id, key })));
    const seen = clicks.map((res) => tally(outcomes, res));
    if (seen.includes("ok")) return;
    if (seen.includes("SERVICE_UNAVAILABLE")) c.acceptKeys.push(randomUUID());
    await sleep(50);
  }
}

/** Both parties confirm at once; each retries a fault or IN_PROGRESS until the trade answers. */
async function confirmLikeClients(c: Case, outcomes: Outcomes): Promise<void> {
  await Promise.all(
    [c.ann, c.bob].map(async (user) => {
      for (let i = 0; i < TRIES; i++) {
        const outcome = tally(outcomes, await user.client.request<Record<string, Payload>>(CONFIRM, { id: c.id }));
        if (outcome === "ok" || outcome === "ALREADY_CONFIRMED" || outcome === "INVALID_STATE") return;
        await sleep(50);
      }
    }),
  );
}

async function ledgerSnapshot(cases: Case[]) {
  const sql = database();
  const holds = await sql`select hold_key, amount, status from ledger.holds where trade_id in ${sql(cases.map((c) => c.id))} order by hold_key`;
  const money = await balances(...cases.flatMap((c) => [c.ann, c.bob]));
  return { holds: holds.map((h) => `${h.hold_key} ${h.amount} ${h.status}`), money };
}

async function rowsOf(ids: string[]) {
  const sql = database();
  return sql<{ id: string; status: string; saga: string | null; accept_key: string | null }[]>`
    select id, status, saga, accept_key from trades.trades where id in ${sql(ids)}`;
}

describe("database connections killed during accepts and completions", () => {
  it("ends with every trade, hold and listing in agreement after recovery; replays move nothing", async () => {
    const cases: Case[] = [];
    const setUp = async () => {
      const { ann, bob, annListings, bobListings, trade } = await swapTrade();
      cases.push({ ann, bob, id: trade.id, acceptKeys: [randomUUID()] });
    };
    for (let i = 0; i < TRADES; i += 2) await Promise.all([setUp(), setUp()]);
    const ids = cases.map((c) => c.id);

    await markTrades(ids, 0.3);
    const killer = startTradeKiller(KILL_BUDGET);
    const outcomes: Outcomes = {};
    let killed = 0;
    try {
      await Promise.all(cases.map((c) => acceptLikeAClient(c, outcomes)));
      await Promise.all(cases.map((c) => confirmLikeClients(c, outcomes)));
    } finally {
      killed = await killer.stop();
      await unmarkTrades(ids);
    }
    console.info(`connection kills: ${killed} of ${KILL_BUDGET} connections terminated; outcomes ${JSON.stringify(outcomes)}`);
    expect(killed).toBeGreaterThan(0);

    // Recovery drives everything left between steps to an end.
    const stuck = (await rowsOf(ids)).filter((r) => r.saga !== null).length;
    let report = await recoverTrades();
    console.info(`recovery: ${stuck} trades were left between steps; ${JSON.stringify(report)}`);
    for (let i = 0; i < 5 && report.pending > 0; i++) report = await recoverTrades();
    expect(report.pending).toBe(0);
    const rows = await rowsOf(ids);
    expect(rows.filter((r) => r.saga !== null)).toEqual([]);
    expect(await disagreements(ids)).toEqual([]);
    const count = (status: string) => rows.filter((r) => r.status === status).length;
    console.info(`after recovery: PROPOSED=${count("PROPOSED")} ACCEPTED=${count("ACCEPTED")} COMPLETED=${count("COMPLETED")}`);
    expect(count("PROPOSED") + count("ACCEPTED") + count("COMPLETED")).toBe(TRADES);

    // Replays move nothing: every accept key of a trade no longer open (each is now a refusal),
    // the key whose outcome the trade keeps (answered as it was), and the confirmations of
    // completed trades. (A key whose first transaction died never started anything: a retry
    // with it is a first try, so it is replayed only once it is the trade's recorded key.)
    const before = await ledgerSnapshot(cases);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const replays = cases.flatMap((c) => {
      const row = byId.get(c.id)!;
      const keys = row.status === "PROPOSED" ? c.acceptKeys.filter((k) => k === row.accept_key) : c.acceptKeys;
      const confirms = row.status === "COMPLETED" ? [c.ann, c.bob].map((u) => u.client.request<Record<string, Payload>>(CONFIRM, { id: c.id })) : [];
      return [...keys.map((key) => c.bob.client.request<Record<string, Payload>>(ACCEPT, { id: c.id, key })), ...confirms];
    });
    for (const res of await Promise.all(replays)) expect(res.errors).toBeUndefined();
    expect(await recoverTrades()).toMatchObject({ recovered: 0, pending: 0 });
    expect(await ledgerSnapshot(cases)).toEqual(before);
    expect(await disagreements(ids)).toEqual([]);

    // Without kills, every trade can be finished: accepted (a new click) if it is not yet, then confirmed.
    await Promise.all(cases.filter((c) => byId.get(c.id)!.status === "PROPOSED").map((c) => c.bob.client.request(ACCEPT, { id: c.id, key: randomUUID() })));
    await Promise.all(cases.flatMap((c) => [c.ann.client.request(CONFIRM, { id: c.id }), c.bob.client.request(CONFIRM, { id: c.id })]));
    expect(await disagreements(ids)).toEqual([]);
    expect((await rowsOf(ids)).filter((r) => r.status !== "COMPLETED")).toEqual([]);
    // Every credit is accounted for: each ann paid 30 and got 10, each bob the other way round.
    for (const c of cases) {
      expect(await balances(c.ann, c.bob)).toEqual([
        { balance: 80, held: 0, available: 80 },
        { balance: 120, held: 0, available: 120 },
      ]);
    }
    const { ledgerReconciliation } = await (await adminClient()).data<Reconciled>(RECONCILIATION);
    expect(ledgerReconciliation.differences).toEqual([]);
    expect(ledgerReconciliation.transfersUnbalanced).toBe(0);
  }, 240_000);
});
