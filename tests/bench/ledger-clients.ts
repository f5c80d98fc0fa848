// The benchmark's clients: the only load in the bench process (every piece of the graph runs in
// a process of its own), so that process's CPU is the clients' as pgbench's is pgbench's. On a
// thread of their own, so the main thread's counter readings do not wait on their event loop.
// Each client moves one credit back and forth between its own pair of members, with a fresh
// idempotency key per transfer.
import { randomUUID } from "node:crypto";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { Pool } from "undici";

export interface ClientsInput {
  gatewayUrl: string;
  pairs: { a: { id: string; token: string }; b: { id: string; token: string } }[];
}

/** One window of transfers, sent to the worker as a message; it answers with a ClientsResult. */
export interface ClientsWindow {
  /** Transfers before the measured window, uncounted: V8 is still compiling the hot paths. */
  warmupSeconds: number;
  seconds: number;
}

export interface ClientsResult {
  latencies: number[];
  refused: number;
  failed: number;
  /** A few of the errors seen, to say what went wrong. */
  samples: string[];
  elapsedSeconds: number;
}

/** Posted when the measured window opens, so the caller can read its counters then. */
export const MEASURING = "measuring";

const TRANSFER = `mutation($input: TransferInput!, $key: String!) { transferCredits(input: $input, idempotencyKey: $key) { transfer { id } errors { code } } }`;

async function runWindow(pool: Pool, origin: URL, pairs: ClientsInput["pairs"], { warmupSeconds, seconds }: ClientsWindow): Promise<ClientsResult> {
  const latencies: number[] = [];
  let refused = 0;
  let failed = 0;
  const samples = new Set<string>();
  const measureFrom = Date.now() + warmupSeconds * 1000;
  const deadline = measureFrom + seconds * 1000;
  let started = 0;
  setTimeout(
    () => {
      started = performance.now();
      parentPort?.postMessage(MEASURING);
    },
    Math.max(0, measureFrom - Date.now()),
  );

  await Promise.all(
    pairs.map(async ({ a, b }) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
        const t0 = performance.now();
        const response = await pool.request({
          path: origin.pathname,
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${from.token}` },
          body: JSON.stringify({ query: TRANSFER, variables: { input: { toUserId: to.id, amount: 1 }, key: randomUUID() } }),
        });
        const body = (await response.body.json()) as { data?: { transferCredits: { errors: unknown[] } }; errors?: unknown[] };
        if (started === 0 || t0 < started) continue;
        latencies.push(performance.now() - t0);
        if (!body.data) failed++;
        else if (body.data.transferCredits.errors.length > 0) refused++;
        if ((body.errors || body.data?.transferCredits.errors.length) && samples.size < 5) {
          samples.add(JSON.stringify(body.errors ?? body.data?.transferCredits.errors));
        }
      }
    }),
  );
  return { latencies, refused, failed, samples: [...samples], elapsedSeconds: (performance.now() - started) / 1000 };
}

if (!isMainThread) {
  const { gatewayUrl, pairs } = workerData as ClientsInput;
  // undici's request API on a keep-alive pool: the leanest real HTTP client Node has, so the
  // clients take as little of the machine as pgbench's own C clients do.
  const origin = new URL(gatewayUrl);
  const pool = new Pool(origin.origin, { connections: pairs.length });
  parentPort?.on("message", (window: ClientsWindow) => {
    void runWindow(pool, origin, pairs, window).then((result) => parentPort?.postMessage(result));
  });
}
