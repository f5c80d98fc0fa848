// Our gateway calls nobody it was not told to: stock @apollo/gateway asks the cloud metadata
// endpoints what host it runs on as it is made, and later sends the host's metrics to Apollo.
// Outgoing HTTP requests are seen through Node's diagnostics channels, in this process.
import { spawn } from "node:child_process";
import dc from "node:diagnostics_channel";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventBus, createLogger, loadConfig } from "@localex/common";
import { startGateway, type RunningGateway } from "../../gateway/src/server.ts";
import { readSupergraph } from "../../packages/stack/src/composition.ts";
import { eventually } from "../harness/eventually.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const OUTSIDE = /169\.254\.169\.254|metadata\.google\.internal|apollographql\.com/;
const requested: string[] = [];
const onHttp = ({ request }: { request: { host: string; path: string } }) => void requested.push(`${request.host}${request.path}`);
const onUndici = ({ request }: { request: { origin: string; path: string } }) => void requested.push(`${request.origin}${request.path}`);
const calledOutside = () => requested.filter((r) => OUTSIDE.test(r));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Makes a stock ApolloGateway and prints each HTTP request it starts, a line each. */
const STOCK_GATEWAY = `
  import dc from "node:diagnostics_channel";
  import { createRequire } from "node:module";
  dc.subscribe("http.client.request.start", ({ request }) => console.log(request.host + request.path));
  const { ApolloGateway } = createRequire(process.cwd() + "/gateway/package.json")("@apollo/gateway");
  new ApolloGateway({ supergraphSdl: "type Query { a: Int }" });
  setInterval(() => {}, 1000);
`;

beforeAll(() => {
  dc.subscribe("http.client.request.start", onHttp as (message: unknown) => void);
  dc.subscribe("undici:request:create", onUndici as (message: unknown) => void);
});
afterAll(() => {
  dc.unsubscribe("http.client.request.start", onHttp as (message: unknown) => void);
  dc.unsubscribe("undici:request:create", onUndici as (message: unknown) => void);
});

describe("the gateway's calls to the outside", () => {
  it("stock @apollo/gateway, as it ships, asks the cloud metadata endpoints about its host (the control)", async () => {
    // In a process of its own, killed once it has asked: left running, or stopped, it would also
    // try to send its metrics to Apollo.
    const { APOLLO_TELEMETRY_DISABLED: _, ...env } = process.env;
    const child = spawn(process.execPath, ["--input-type=module", "-e", STOCK_GATEWAY], { cwd: ROOT, env, stdio: ["ignore", "pipe", "ignore"] });
    let said = "";
    child.stdout!.on("data", (c: Buffer) => (said += c.toString()));
    try {
      const asked = await eventually(
        "the metadata probes",
        async () => said.split("\n").filter((line) => OUTSIDE.test(line)),
        (calls) => calls.length > 0,
        15_000,
      );
      expect(asked.length).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("ours asks nobody outside the graph as it starts and answers", async () => {
    const setting = process.env.APOLLO_TELEMETRY_DISABLED;
    delete process.env.APOLLO_TELEMETRY_DISABLED; // as a deployment that never heard of it
    const events = createEventBus(undefined, "gateway-telemetry:");
    let gateway: RunningGateway | undefined;
    try {
      requested.length = 0;
      const config = loadConfig({ ...testGraphEnvironment(), HOST: "127.0.0.1", PORT: "0" }, "gateway");
      gateway = await startGateway({
        config,
        log: createLogger("silent"),
        supergraphSdl: await readSupergraph(),
        subgraphUrls: inject("subgraphUrls"),
        port: 0,
        events,
      });
      const answer = await fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ categories { id } }" }),
      });
      expect(((await answer.json()) as { data?: { categories: unknown[] } }).data?.categories.length).toBeGreaterThan(0);
      // The subgraph fetch was seen (the channels work here), and nothing went outside.
      expect(requested.some((r) => r.includes("/graphql"))).toBe(true);
      expect(calledOutside()).toEqual([]);
    } finally {
      await gateway?.stop();
      await events.close();
      if (setting === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
      else process.env.APOLLO_TELEMETRY_DISABLED = setting;
    }
  });
});
