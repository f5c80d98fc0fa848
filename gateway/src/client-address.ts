import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/** TRUST_PROXY as fastify's `trustProxy` option: false, true, a hop count, or addresses/CIDRs. */
export function trustProxySetting(value: string): boolean | number | string[] {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "false") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * The client's address for a raw request (the WebSocket upgrade), by the same rule fastify
 * applies to HTTP requests (`request.ip`): X-Forwarded-For only as far as TRUST_PROXY trusts it.
 */
export function clientAddressResolver(setting: boolean | number | string[]): (request: IncomingMessage) => string {
  const trust =
    setting === true ? () => true : setting === false ? () => false : typeof setting === "number" ? (_: string, hop: number) => hop < setting : proxyaddr.compile(setting);
  return (request) => proxyaddr(request, trust);
}
