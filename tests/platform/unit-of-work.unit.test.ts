import { describe, expect, it } from "vitest";
import { afterCommit, unitOfWork } from "@localex/common";

/** A stand-in for a database's transaction (no database: this is the helper's own logic): commits unless the work throws. */
function fakeDatabase() {
  const log: string[] = [];
  const begin = async <R>(work: (tx: object) => Promise<R>): Promise<R> => {
    const tx = {};
    log.push("begin");
    try {
      const result = await work(tx);
      log.push("commit");
      return result;
    } catch (error) {
      log.push("rollback");
      throw error;
    }
  };
  return { log, begin };
}

describe("unitOfWork", () => {
  it("runs what the work queued after the commit, once per key, in the order first queued", async () => {
    const db = fakeDatabase();
    const result = await unitOfWork(db.begin, async (tx) => {
      afterCommit(tx, "trade:1", () => db.log.push("announce 1"));
      afterCommit(tx, "trade:2", () => db.log.push("announce 2"));
      afterCommit(tx, "trade:1", () => db.log.push("announce 1 again"));
      db.log.push("work done");
      return 42;
    });
    expect(result).toBe(42);
    expect(db.log).toEqual(["begin", "work done", "commit", "announce 1", "announce 2"]);
  });

  it("runs nothing when the transaction rolls back", async () => {
    const db = fakeDatabase();
    await expect(
      unitOfWork(db.begin, async (tx) => {
        afterCommit(tx, "trade:1", () => db.log.push("announce"));
        throw new Error("the write failed");
      }),
    ).rejects.toThrow("the write failed");
    expect(db.log).toEqual(["begin", "rollback"]);
  });

  it("drops a failed attempt's effects when a retry runs the unit again", async () => {
    const db = fakeDatabase();
    let attempt = 0;
    const run = () =>
      unitOfWork(db.begin, async (tx) => {
        attempt++;
        afterCommit(tx, `attempt:${attempt}`, () => db.log.push(`announce ${attempt}`));
        if (attempt === 1) throw new Error("connection lost");
        return attempt;
      });
    await run().catch(() => run());
    expect(db.log).toEqual(["begin", "rollback", "begin", "commit", "announce 2"]);
  });

  it("refuses to queue on a transaction it did not begin (the announcement could never run)", () => {
    expect(() => afterCommit({}, "trade:1", () => {})).toThrow(/not begun by unitOfWork/);
  });
});
