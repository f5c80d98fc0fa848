import type { Config } from "@localex/common";
import type { CdnPurge } from "./cdn-purge.ts";
import { HttpCdnPurge } from "./http-cdn-purge.ts";
import { NoCdnPurge } from "./off-cdn-purge.ts";

export * from "./cdn-purge.ts";
export { HttpCdnPurge, type HttpCdnPurgeOptions } from "./http-cdn-purge.ts";
export { NoCdnPurge } from "./off-cdn-purge.ts";
export { MediaPurges, publicKeysOf } from "./purges.ts";

/** The adapter the configuration names: HTTP when CDN_PURGE_URL is set, none otherwise. */
export function createCdnPurge(cdn: Config["cdn"]): CdnPurge {
  return cdn.purge === "http" ? new HttpCdnPurge({ url: cdn.url, token: cdn.token, timeoutSeconds: cdn.timeoutSeconds }) : new NoCdnPurge();
}
