import ipaddr from "ipaddr.js";

/**
 * Whom a per-address rate limit counts. One IPv4 address is one client; on IPv6 a subscriber is
 * routinely handed a whole /64, so each of its 2^64 addresses is the same client: keyed by /64,
 * or one machine would get a fresh budget with every address it picks. An IPv4 address written
 * as IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 one.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return `address:${address}`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === "ipv4") return `address:${parsed.toString()}`;
  const hextets = (parsed as ipaddr.IPv6).toNormalizedString().split(":").slice(0, 4);
  return `address:${hextets.join(":")}::/64`;
}
