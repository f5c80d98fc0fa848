// The CdnPurge port (subgraphs/media/src/cdn/): its contract against both adapters, what the HTTP
// adapter sends to and makes of a purge endpoint (the test's caching proxy in front of an origin
// of its own), and the configuration that chooses it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@localex/common";
import { CdnPurgeError, createCdnPurge, HttpCdnPurge, NoCdnPurge } from "../../subgraphs/media/src/cdn/index.ts";
import { startCachingProxy, type CachingProxy } from "../harness/caching-proxy.ts";
import { cdnPurgeContract } from "./cdn-purge.contract.ts";

const TOKEN = "unit-test-purge-token-0123456789abcdef";

let origin: Server;
let originUrl: string;
let proxy: CachingProxy;
/** A purge endpoint that never answers (a CDN that hangs). */
let silent: Server;
let silentUrl: string;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  origin = createServer((request, response) => {
    response.writeHead(200, { "content-type": "image/webp", "cache-control": "public, max-age=31536000, immutable" }).end(`bytes of ${request.url}`);
  });
  originUrl = await listen(origin);
  proxy = await startCachingProxy({ origin: originUrl, token: TOKEN });
  silent = createServer(() => {});
  silentUrl = await listen(silent);
});

afterAll(async () => {
  await proxy.close();
  for (const server of [origin, silent]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const http = (options: { url?: string; token?: string; timeoutSeconds?: number } = {}) =>
  new HttpCdnPurge({ url: options.url ?? proxy.purgeUrl, token: options.token ?? TOKEN, timeoutSeconds: options.timeoutSeconds ?? 5 });

cdnPurgeContract(
  "none",
  () => new NoCdnPurge(),
  () => "https://cdn.example.org",
);
cdnPurgeContract(
  "http",
  () => http(),
  () => proxy.url,
);

describe("HttpCdnPurge", () => {
  it("POSTs the URLs with its bearer token; the CDN forgets them and fetches them from the origin again", async () => {
    const url = `${proxy.url}/public/media/one/thumbnail.webp`;
    await fetch(url);
    const cached = await fetch(url);
    expect(cached.headers.get("x-cache")).toBe("HIT"); // positive control: the proxy caches
    expect(proxy.originHits(url)).toBe(1);

    await http().purge([url]);
    expect(proxy.purges.at(-1)).toEqual({ urls: [url], authorized: true, status: 200 });
    expect(proxy.holds(url)).toBe(false);
    expect((await fetch(url)).headers.get("x-cache")).toBe("MISS");
    expect(proxy.originHits(url)).toBe(2);
  });

  it("throws CdnPurgeError, so the job is retried, when the CDN refuses (wrong token 401, outage 503), cannot be reached, or does not answer in time", async () => {
    const url = `${proxy.url}/public/media/two/large.webp`;
    await fetch(url);
    const refusedWith = async (purge: HttpCdnPurge) => {
      const error = await purge.purge([url]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CdnPurgeError);
      return error as CdnPurgeError;
    };

    expect((await refusedWith(http({ token: "not-the-cdn-token-at-all" }))).status).toBe(401);
    proxy.failNextPurges(1);
    expect((await refusedWith(http())).status).toBe(503);
    expect(proxy.holds(url)).toBe(true); // nothing was evicted by either
    expect((await refusedWith(http({ url: "http://127.0.0.1:1/_purge" }))).status).toBeNull(); // nobody listens on port 1
    expect((await refusedWith(http({ url: `${silentUrl}/_purge`, timeoutSeconds: 0.2 }))).message).toMatch(/could not be reached/);

    await http().purge([url]); // the retry, once the CDN is back
    expect(proxy.holds(url)).toBe(false);
  });
});

describe("configuration (cdn section)", () => {
  // The whole graph's configuration (media alone would also want its own DATABASE_URL).
  const cdnOf = (env: Record<string, string>) => loadConfig({ NODE_ENV: "development", ...env }).cdn;
  /** The cdn section's problems (production's other sections have theirs). */
  const problemsOf = (env: Record<string, string>) => {
    try {
      cdnOf(env);
      return [];
    } catch (e) {
      return (e as ConfigError).problems.filter((p) => p.startsWith("CDN_PURGE"));
    }
  };

  it("is off unless CDN_PURGE_URL is set, and then narrows to the HTTP adapter with its token", () => {
    expect(cdnOf({})).toEqual({ purge: "off" });
    expect(createCdnPurge(cdnOf({}))).toBeInstanceOf(NoCdnPurge);
    const on = cdnOf({ CDN_PURGE_URL: "https://cdn.example.org/purge", CDN_PURGE_TOKEN: TOKEN });
    expect(on).toEqual({ purge: "http", url: "https://cdn.example.org/purge", token: TOKEN, timeoutSeconds: 10 });
    expect(createCdnPurge(on)).toBeInstanceOf(HttpCdnPurge);
  });

  it("wants the token with the URL, the URL with the token, and in production a token of 32 characters or more (never echoed)", () => {
    expect(problemsOf({ CDN_PURGE_URL: "https://cdn.example.org/purge" })).toEqual(["CDN_PURGE_TOKEN: is required when CDN_PURGE_URL is set"]);
    expect(problemsOf({ CDN_PURGE_TOKEN: TOKEN })).toEqual(["CDN_PURGE_URL: is required when CDN_PURGE_TOKEN is set (or unset the token)"]);
    expect(problemsOf({ CDN_PURGE_URL: "ftp://cdn.example.org/purge", CDN_PURGE_TOKEN: TOKEN })[0]).toMatch(/^CDN_PURGE_URL: /);
    const short = "short-but-16-chars-ok";
    expect(problemsOf({ CDN_PURGE_URL: "https://cdn.example.org/purge", CDN_PURGE_TOKEN: short })).toEqual([]);
    expect(problemsOf({ NODE_ENV: "production", CDN_PURGE_URL: "https://cdn.example.org/purge", CDN_PURGE_TOKEN: short })).toEqual([
      "CDN_PURGE_TOKEN: must be at least 32 characters in production",
    ]);
    expect(problemsOf({ CDN_PURGE_URL: "https://cdn.example.org/purge", CDN_PURGE_TOKEN: "tiny" }).join("\n")).not.toContain("tiny");
  });
});
