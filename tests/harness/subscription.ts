// A subscription as a test sees it: every result kept in order, waited for by what it says,
// never by a fixed sleep.
import type { Client, FormattedExecutionResult } from "graphql-ws";

type Result<T> = FormattedExecutionResult<T, unknown>;

export class Subscription<T = Record<string, unknown>> {
  readonly results: Result<T>[] = [];
  /** Set when the server ended the subscription with an error (e.g. a refusal) or completed it. */
  ended: { error?: unknown } | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly stop: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.stop = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          this.results.push(value);
          this.notify();
        },
        error: (error) => {
          this.ended = { error };
          this.notify();
        },
        complete: () => {
          this.ended ??= {};
          this.notify();
        },
      },
    );
  }

  /**
   * The first result, counting from the start, that `matches`; waits for it, failing after
   * `timeoutMs` (a bound for a broken server, not a readiness delay) or when the subscription ends.
   */
  async until(matches: (result: Result<T>) => boolean = () => true, what = "a result", timeoutMs = 15_000): Promise<Result<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.results.find(matches);
      if (found) return found;
      if (this.ended) throw new Error(`the subscription ended before ${what}: ${JSON.stringify(this.ended.error ?? "completed")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; results so far: ${JSON.stringify(this.results)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.listeners.add(done);
      });
    }
  }

  /** Resolves when the server ends the subscription (with an error or completion). */
  async end(timeoutMs = 15_000): Promise<{ error?: unknown }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for the subscription to end");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.listeners.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.ended;
  }

  dispose(): void {
    this.stop();
  }

  private notify(): void {
    const waiting = [...this.listeners];
    this.listeners.clear();
    for (const wake of waiting) wake();
  }
}
