// A PostgreSQL connection can die under a read: a failover, a restart, or a backend terminated
// while it served something else (the trades fault tests kill marked connections of the shared
// graph, and a kill can land just after the marked work committed). A read changes nothing, so
// the per-request loaders every entity and field resolver reads through run it once more on a
// new connection, and the member never sees it. Kills here are real: the statement terminates
// its own backend.
import { isLostConnection, rowLoader } from "@localex/common";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";

const sql = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

/** A read of `keys` whose first `dying` attempts terminate their own connection mid-statement. */
function readDying(dying: number) {
  const attempts = { count: 0, pids: [] as number[] };
  const fetch = async (keys: readonly number[]) => {
    attempts.count++;
    const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    attempts.pids.push(backend!.pid);
    if (attempts.count <= dying) await sql`select pg_terminate_backend(pg_backend_pid())`;
    return sql<{ id: number; square: number }[]>`select k as id, k * k as square from unnest(${sql.array([...keys])}::int[]) k`;
  };
  return { attempts, fetch };
}

describe("a read whose database connection dies under it", () => {
  it("is answered by a loader all the same, on a new connection (the positive control: a healthy read takes one attempt)", async () => {
    const healthy = readDying(0);
    const control = rowLoader(healthy.fetch, (r) => r.id);
    expect(await control.loadMany([2, 3])).toEqual([
      { id: 2, square: 4 },
      { id: 3, square: 9 },
    ]);
    expect(healthy.attempts.count).toBe(1);

    const killed = readDying(1);
    const loader = rowLoader(killed.fetch, (r) => r.id);
    expect(await loader.loadMany([4, 5])).toEqual([
      { id: 4, square: 16 },
      { id: 5, square: 25 },
    ]);
    expect(killed.attempts.count).toBe(2);
    // A real kill: the second attempt ran on another backend.
    expect(killed.attempts.pids[1]).not.toBe(killed.attempts.pids[0]);
  });

  it("fails when the connection keeps dying, with the driver's own error (tries are bounded)", async () => {
    const doomed = readDying(Number.POSITIVE_INFINITY);
    const loader = rowLoader(doomed.fetch, (r) => r.id);
    const failure = await loader.load(7).then(
      () => null,
      (e: unknown) => e,
    );
    // 57P01 when the server's notice comes first, CONNECTION_CLOSED when the socket's end does.
    expect(isLostConnection(failure)).toBe(true);
    expect(doomed.attempts.count).toBe(3);
  });

  it("is not tried again for a fault that is not a lost connection", async () => {
    let attempts = 0;
    const loader = rowLoader(
      async (keys: readonly number[]) => {
        attempts++;
        return sql<{ id: number }[]>`select (${String(keys[0])} || 'x')::int as id`; // invalid input syntax
      },
      (r) => r.id,
    );
    await expect(loader.load(1)).rejects.toMatchObject({ code: "22P02" });
    expect(attempts).toBe(1);
  });
});
