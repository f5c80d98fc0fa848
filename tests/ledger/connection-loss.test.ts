import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { accountOf, adminClient, fundedUser, RECONCILIATION, TRANSFER } from "./helpers.ts";

describe("losing database connections", () => {
  it("keeps transferring while the ledger's connections are killed: nothing lost, nothing doubled", async () => {
    const alice = await fundedUser();
    const bob = await fundedUser();
    const keys = Array.from({ length: 30 }, () => randomUUID());

    const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    let killing = true;
    let killed = 0;
    const killer = (async () => {
      while (killing) {
        const rows = await db`
          select pg_terminate_backend(pid) as ok from pg_stat_activity
          where application_name = 'localex-ledger' and query like '%move_credits%' and pid <> pg_backend_pid()`;
        killed += rows.filter((r) => r.ok).length;
        await sleep(20);
      }
    })();

    try {
      // Eight clients at a time, each sending its transfers of 1 credit from Alice to Bob.
      const transferIds: string[] = [];
      for (let i = 0; i < keys.length; i += 8) {
        const batch = keys.slice(i, i + 8).map(async (key) => {
          const res = await alice.client.request(TRANSFER, { input: { toUserId: bob.id, amount: 1 }, key });
          expect(res.errors).toBeUndefined();
          expect(res.data?.transferCredits.errors).toEqual([]);
          return res.data!.transferCredits.transfer.id as string;
        });
        transferIds.push(...(await Promise.all(batch)));
      }
      expect(new Set(transferIds).size).toBe(keys.length);
    } finally {
      killing = false;
      await killer;
      await db.end();
    }
    expect(killed).toBeGreaterThan(0);

    // Connections were killed under transfers (the ledger retried them with their keys).
    // Replaying every key moves nothing more.
    for (const key of keys) {
      await alice.client.data(TRANSFER, { input: { toUserId: bob.id, amount: 1 }, key });
    }
    expect((await accountOf(alice)).balance).toBe(100 - keys.length);
    expect((await accountOf(bob)).balance).toBe(100 + keys.length);

    const { ledgerReconciliation } = await (await adminClient()).data(RECONCILIATION);
    expect(ledgerReconciliation).toMatchObject({ transfersUnbalanced: 0, differences: [] });
  });
});
