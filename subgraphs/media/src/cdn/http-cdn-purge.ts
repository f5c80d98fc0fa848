import { CdnPurgeError, checkPurgeUrls, type CdnPurge } from "./cdn-purge.ts";

export interface HttpCdnPurgeOptions {
  /** The purge endpoint (CDN_PURGE_URL). */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (CDN_PURGE_TOKEN). */
  token: string;
  /** How long one request may take before it counts as failed (CDN_PURGE_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

/**
 * A purge endpoint over HTTP: `POST <url>` with `{ "urls": [...] }` and the bearer token, the
 * shape most CDNs' purge-by-URL APIs take (or a small relay in front of one that does not). Any
 * 2xx is acceptance; anything else, or no answer within the timeout, is a CdnPurgeError.
 */
export class HttpCdnPurge implements CdnPurge {
  readonly kind = "http";

  constructor(private readonly options: HttpCdnPurgeOptions) {}

  async purge(urls: readonly string[]): Promise<void> {
    checkPurgeUrls(urls);
    if (urls.length === 0) return;
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify({ urls }),
        signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
      });
    } catch (cause) {
      throw new CdnPurgeError(`The CDN's purge endpoint could not be reached: ${(cause as Error).message}`, null, { cause });
    }
    // Read (and bound) the answer either way, so the connection can be reused.
    const text = (await response.text().catch(() => "")).slice(0, 300);
    if (!response.ok) throw new CdnPurgeError(`The CDN refused the purge with HTTP ${response.status}${text ? `: ${text}` : ""}`, response.status);
  }

  describe(): string {
    return `http (${new URL(this.options.url).origin})`;
  }
}
