import ipaddr from "ipaddr.js";

/** What TRUST_PROXY means, as fastify's `trustProxy` and proxy-addr take it. */
export type TrustProxy = boolean | number | string[];

/** The names proxy-addr knows for address ranges. */
const RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * TRUST_PROXY read: "false" (the socket's peer), "true" (any X-Forwarded-For: development only),
 * a hop count, or the proxies' addresses, CIDRs and range names ("loopback, 10.0.0.0/8").
 * A string says what is wrong with it.
 */
export function parseTrustProxy(value: string): TrustProxy | string {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "false") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const wrong = entries.find((e) => !RANGE_NAMES.has(e) && !ipaddr.isValid(e) && !ipaddr.isValidCIDR(e) && !isAddressWithNetmask(e));
  return wrong === undefined ? entries : `must be false, a hop count, or the proxies' addresses or CIDRs (loopback, 10.0.0.0/8); "${wrong}" is none`;
}

function isAddressWithNetmask(entry: string): boolean {
  const [address, mask, ...rest] = entry.split("/");
  return (
    rest.length === 0 && !!address && !!mask && ipaddr.isValid(address) && ipaddr.isValid(mask) && ipaddr.parse(mask).prefixLengthFromSubnetMask() !== null
  );
}
