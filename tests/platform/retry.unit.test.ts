// The one retry helper every service uses for lost connections and conflicts.
import { describe, expect, it } from "vitest";
import { isLostConnection, isTransientDatabaseError, retry, retryDatabaseWork } from "@localex/common";

const lost = () => Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
const wrapped = (code: string) => Object.assign(new Error("drizzle"), { cause: Object.assign(new Error("pg"), { code }) });

describe("retry", () => {
  it("runs work again after a transient failure and returns its first success", async () => {
    let calls = 0;
    const result = await retryDatabaseWork(async () => {
      calls++;
      if (calls < 3) throw lost();
      return "done";
    });
    expect({ result, calls }).toEqual({ result: "done", calls: 3 });
  });

  it("throws anything else at once, unchanged", async () => {
    let calls = 0;
    const failure = Object.assign(new Error("duplicate key"), { code: "23505" });
    await expect(
      retryDatabaseWork(async () => {
        calls++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it("stops after its attempts, throwing the last failure", async () => {
    let calls = 0;
    const retried: number[] = [];
    await expect(
      retry(
        async () => {
          calls++;
          throw lost();
        },
        { attempts: 4, minDelayMs: 1, maxDelayMs: 2, retryOn: isLostConnection, onRetry: (_e, attempt) => retried.push(attempt) },
      ),
    ).rejects.toMatchObject({ code: "CONNECTION_CLOSED" });
    expect({ calls, retried }).toEqual({ calls: 4, retried: [1, 2, 3] });
  });

  it("knows lost connections and conflicts, also when wrapped", () => {
    for (const code of ["57P01", "08006", "ECONNRESET", "RESULT_LOST"]) expect(isLostConnection(wrapped(code))).toBe(true);
    for (const code of ["40001", "40P01"]) expect([isLostConnection(wrapped(code)), isTransientDatabaseError(wrapped(code))]).toEqual([false, true]);
    expect(isTransientDatabaseError(wrapped("23505"))).toBe(false);
  });
});
