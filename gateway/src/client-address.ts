import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import { parseTrustProxy, type TrustProxy } from "@localex/common";

/** TRUST_PROXY as fastify's `trustProxy` option: false, true, a hop count, or addresses/CIDRs (checked by the configuration). */
export function trustProxySetting(value: string): TrustProxy {
  const setting = parseTrustProxy(value);
  if (typeof setting === "string") throw new Error(`TRUST_PROXY: ${setting}`);
  return setting;
}

/**
 * The client's address for a raw request (the WebSocket upgrade), by the same rule fastify
 * applies to HTTP requests (`request.ip`): X-Forwarded-For only as far as TRUST_PROXY trusts it.
 */
export function clientAddressResolver(setting: TrustProxy): (request: IncomingMessage) => string {
  const trust =
    setting === true
      ? () => true
      : setting === false
        ? () => false
        : typeof setting === "number"
          ? (_: string, hop: number) => hop < setting
          : proxyaddr.compile(setting);
  return (request) => proxyaddr(request, trust);
}
