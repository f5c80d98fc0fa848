import { checkPurgeUrls, type CdnPurge } from "./cdn-purge.ts";

/** No CDN to purge (CDN_PURGE_URL unset): the origin's own refusal is all there is. */
export class NoCdnPurge implements CdnPurge {
  readonly kind = "off";

  async purge(urls: readonly string[]): Promise<void> {
    checkPurgeUrls(urls); // the same contract as the HTTP adapter: a bad list is a bug either way
  }

  describe(): string {
    return "off (CDN_PURGE_URL unset)";
  }
}
