/**
 * The CDN in front of public media, asked to forget URLs. Public variants are served
 * `public, max-age=31536000, immutable` (storage/blob-store.ts): once deleted or taken down at
 * the origin, a CDN (and its edge caches) would go on serving them for up to a year unless told.
 * Adapters: none (the default: nothing caches our URLs, or an operator purges by hand) and a
 * generic HTTP purge endpoint (CDN_PURGE_URL with its bearer CDN_PURGE_TOKEN); chosen by
 * configuration. Purges run in the `media:purge` job, so a CDN that is down is retried, never lost.
 */
export interface CdnPurge {
  readonly kind: "off" | "http";
  /**
   * Asks the CDN to drop these URLs from every cache. Resolves once the CDN has accepted the
   * request; throws CdnPurgeError when it refuses or cannot be reached (the job then retries).
   * Idempotent: purging a URL the CDN does not hold is no error.
   */
  purge(urls: readonly string[]): Promise<void>;
  /** For the start-up log: which adapter, and where it sends (never the token). */
  describe(): string;
}

/** Most URLs one purge request carries: a media item has four variants, a purge job at most 16 URLs. */
export const MAX_URLS_PER_PURGE = 16;

export class CdnPurgeError extends Error {
  constructor(
    message: string,
    /** The HTTP status the CDN answered, or null when it was not reached (refused, timed out). */
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CdnPurgeError";
  }
}

/** Refuses what no adapter should send: an empty or oversized list, or something that is not an http(s) URL. */
export function checkPurgeUrls(urls: readonly string[]): void {
  if (urls.length > MAX_URLS_PER_PURGE) throw new RangeError(`A purge carries at most ${MAX_URLS_PER_PURGE} URLs (got ${urls.length}).`);
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new RangeError(`Not an http(s) URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
}
