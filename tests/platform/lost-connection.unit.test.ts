// A keep-alive connection to a subgraph that closes as the gateway reuses it (the subgraph or a
// proxy between timed it out, restarted, or dropped it) loses that request before any answer.
// A query is a read: the gateway sends it once more, on a fresh connection, and the member never
// sees it. A mutation may have been applied: it is never sent twice, and the member is told.
import { createServer, type Server } from "node:http";
import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallerKeyring } from "@localex/common";
import { CallerDataSource } from "../../gateway/src/datasource.ts";
import type { GatewayContext } from "../../gateway/src/caller.ts";

let subgraph: Server;
let url = "";
/** How many requests reached the subgraph; the first `dropping` of them lose their connection. */
const seen = { requests: 0, dropping: 0 };

beforeAll(async () => {
  subgraph = createServer((request, response) => {
    seen.requests++;
    if (seen.dropping > 0) {
      seen.dropping--;
      request.socket.destroy(); // no answer at all: the connection just goes
      return;
    }
    request.resume().on("end", () => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { ok: true } })));
  });
  await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(subgraph.address() as { port: number }).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => subgraph.close(() => resolve())));

const keys = CallerKeyring.fromSeed("unit-test-seed-0123456789abcdef0123456789");
const fetchAs = (operation: "query" | "mutation", source: CallerDataSource) =>
  source.process({
    request: { query: operation === "query" ? "{ ok }" : "mutation { ok }" },
    context: { caller: null, clientAddress: null },
    incomingRequestContext: { operation: { operation }, request: { http: { headers: new Map() } } },
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);

/** A data source of its own for `use`, closed after; the subgraph's counters reset around it. */
async function withSource(dropping: number, use: (source: CallerDataSource) => Promise<void>): Promise<void> {
  const source = new CallerDataSource("listings", url, keys, { maxFileBytes: 1, timeoutMs: 5_000 });
  seen.requests = 0;
  seen.dropping = dropping;
  try {
    await use(source);
  } finally {
    seen.dropping = 0;
    await source.close();
  }
}

const failureOf = (work: Promise<unknown>) =>
  work.then(
    () => null,
    (e: unknown) => e as { extensions?: Record<string, unknown> },
  );

describe("a subgraph connection lost before the answer", () => {
  it("answers a query anyway: it is sent once more (the positive control: each answered on a healthy connection)", () =>
    withSource(0, async (source) => {
      expect((await fetchAs("query", source)).data).toEqual({ ok: true });
      expect(seen.requests).toBe(1);
      seen.requests = 0;
      seen.dropping = 1;
      expect((await fetchAs("query", source)).data).toEqual({ ok: true });
      expect(seen.requests).toBe(2);
    }));

  it("tells the member a query failed when the second try is lost too, and tries no third time", () =>
    withSource(2, async (source) => {
      expect((await failureOf(fetchAs("query", source)))?.extensions).toMatchObject({ code: "SUBGRAPH_UNAVAILABLE", subgraph: "listings" });
      expect(seen.requests).toBe(2);
    }));

  it("never sends a mutation twice: the member is told the service was unavailable", () =>
    withSource(1, async (source) => {
      expect((await failureOf(fetchAs("mutation", source)))?.extensions).toMatchObject({ code: "SUBGRAPH_UNAVAILABLE", subgraph: "listings" });
      expect(seen.requests).toBe(1);
    }));
});
