import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";

/**
 * Connections made on a member's behalf (to a URL a member gave us) reach only the public
 * internet: never this machine, the private network around it, or its cloud metadata service.
 */
export interface AddressRules {
  /** Development and tests only: loopback too, for a local stand-in of the outside service. */
  allowLoopback?: boolean;
}

/**
 * Why `address` may not be connected to ("loopback", "private", "linkLocal", "uniqueLocal",
 * "multicast", "unspecified", …: ipaddr.js's range name), or null when it may: public unicast
 * only. An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 one; other
 * ways of embedding IPv4 in IPv6 (NAT64, 6to4, Teredo) are refused outright.
 */
export function addressRefusal(address: string, rules: AddressRules = {}): string | null {
  if (!ipaddr.isValid(address)) return "not an IP address";
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === "unicast") return null;
  if (range === "loopback" && rules.allowLoopback) return null;
  return range;
}

/** A connection refused because of where it would go (addressRefusal): never worth retrying. */
export class AddressRefused extends Error {
  override readonly name = "AddressRefused";

  constructor(
    readonly hostname: string,
    readonly range: string,
  ) {
    super(`${hostname} is refused: it is (or resolves to) a ${range} address, not a public one`);
  }
}

/**
 * An undici dispatcher whose every connection is checked where it is made: a name's resolved
 * addresses (all of them, at connect time, so a name that resolved to a public address when it
 * was registered and to a private one now is refused then) and an address written in the URL.
 */
export function publicOnlyAgent(rules: AddressRules & { connectTimeoutMs?: number } = {}): Agent {
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      for (const { address } of addresses) {
        const range = addressRefusal(address, rules);
        if (range) return callback(new AddressRefused(hostname, range), "", 0);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      callback(null, first.address, first.family);
    });
  };
  const connect = buildConnector({ lookup, timeout: rules.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: (options, callback) => {
      // An address in the URL is connected to without a lookup: checked here instead.
      const range = isIP(options.hostname) ? addressRefusal(options.hostname, rules) : null;
      if (range) return callback(new AddressRefused(options.hostname, range), null);
      connect(options, callback);
    },
  });
}
