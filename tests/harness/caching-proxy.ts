// A CDN of the test's own: an HTTP server in front of an origin that forwards GETs, keeps what
// the origin says is `public, max-age=N` for N seconds (as a CDN edge would), counts the GETs that
// reached the origin, and takes purge requests at /_purge the way our HttpCdnPurge sends them
// (POST { urls } with a bearer token), evicting those URLs. A test sees what a real CDN would
// have served, and whether the purge arrived, with the right token, for the right URLs.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface Cached {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  expiresAt: number;
}

export interface PurgeRequest {
  /** The URLs the purge named (empty when its body was not `{ urls: [...] }`). */
  urls: string[];
  /** Whether it carried `Authorization: Bearer <token>` with the proxy's token. */
  authorized: boolean;
  /** What the proxy answered. */
  status: number;
}

export interface CachingProxy {
  /** The CDN's base URL: `${url}/public/...` is the origin's `/public/...`. */
  url: string;
  /** Where purges go (CDN_PURGE_URL). */
  purgeUrl: string;
  /** GETs of this path (or URL) that reached the origin (cache misses). */
  originHits(pathOrUrl: string): number;
  /** Whether the cache holds this path (or URL) now. */
  holds(pathOrUrl: string): boolean;
  /** Every purge request so far, in order. */
  purges: PurgeRequest[];
  /** The next `count` purge requests are answered 503 (a CDN outage), evicting nothing. */
  failNextPurges(count: number): void;
  close(): Promise<void>;
}

const pathOf = (pathOrUrl: string): string => (pathOrUrl.startsWith("/") ? pathOrUrl : new URL(pathOrUrl).pathname + new URL(pathOrUrl).search);

/** Seconds a response may be kept by a shared cache, or 0 when it may not be. */
function sharedMaxAge(cacheControl: string | null): number {
  if (!cacheControl || !/\bpublic\b/.test(cacheControl) || /\b(private|no-store|no-cache)\b/.test(cacheControl)) return 0;
  return Number(/\bmax-age=(\d+)/.exec(cacheControl)?.[1] ?? 0);
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startCachingProxy(options: { origin: string; token: string }): Promise<CachingProxy> {
  const cache = new Map<string, Cached>();
  const hits = new Map<string, number>();
  const purges: PurgeRequest[] = [];
  let failing = 0;

  async function purge(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
    let urls: string[] = [];
    try {
      const parsed = JSON.parse(await bodyOf(request)) as { urls?: unknown };
      if (Array.isArray(parsed.urls)) urls = parsed.urls.filter((u): u is string => typeof u === "string");
    } catch {
      // recorded with no URLs, and refused below
    }
    const status = !authorized ? 401 : failing > 0 ? 503 : urls.length === 0 ? 400 : 200;
    if (status === 503) failing--;
    if (status === 200) for (const url of urls) cache.delete(pathOf(url));
    purges.push({ urls, authorized, status });
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ purged: status === 200 ? urls.length : 0 }));
  }

  async function get(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? "/";
    const cached = cache.get(path);
    if (cached && cached.expiresAt > Date.now()) {
      response.writeHead(cached.status, { ...cached.headers, "x-cache": "HIT" }).end(cached.body);
      return;
    }
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const upstream = await fetch(`${options.origin}${path}`);
    const body = Buffer.from(await upstream.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "cache-control", "last-modified"]) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
    const maxAge = upstream.status === 200 ? sharedMaxAge(upstream.headers.get("cache-control")) : 0;
    if (maxAge > 0) cache.set(path, { status: upstream.status, headers, body, expiresAt: Date.now() + maxAge * 1000 });
    response.writeHead(upstream.status, { ...headers, "x-cache": "MISS" }).end(body);
  }

  const server = createServer((request, response) => {
    const handled =
      request.method === "POST" && request.url === "/_purge" ? purge(request, response) : request.method === "GET" ? get(request, response) : null;
    if (!handled) {
      response.writeHead(405).end();
      return;
    }
    handled.catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`origin unreachable: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    purgeUrl: `${url}/_purge`,
    originHits: (pathOrUrl) => hits.get(pathOf(pathOrUrl)) ?? 0,
    holds: (pathOrUrl) => cache.has(pathOf(pathOrUrl)),
    purges,
    failNextPurges: (count) => (failing = count),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
