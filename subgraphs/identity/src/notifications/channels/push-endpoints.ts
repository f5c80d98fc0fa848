import { isIP } from "node:net";
import { addressRefusal, PUBLIC_PUSH_SERVICE_HOSTS, type Config } from "@localex/common";

/**
 * Which push endpoints we accept and send to. A member chooses the URL our worker POSTs to, so it
 * must be a push service's: on one of `hosts` (the public push services by default), https in
 * production; loopback only for a local stand-in in development and tests.
 * The connection itself is checked again where it is made (publicOnlyAgent in push.ts): a listed
 * name that resolves to a private address is refused then.
 */
export interface PushEndpointRules {
  /** Host names, or `*.domain` for any name under the domain. */
  hosts: readonly string[];
  allowLoopback: boolean;
  allowPlainHttp: boolean;
}

export const PUBLIC_PUSH_ENDPOINTS: PushEndpointRules = { hosts: PUBLIC_PUSH_SERVICE_HOSTS, allowLoopback: false, allowPlainHttp: false };

export function pushEndpointRules(push: Pick<Config["push"], "endpointHosts" | "allowLoopback" | "allowPlainHttp">): PushEndpointRules {
  return { hosts: push.endpointHosts, allowLoopback: push.allowLoopback, allowPlainHttp: push.allowPlainHttp };
}

/** Why `endpoint` is not one we push to, in words for the member; null when it is. */
export function endpointRefusal(endpoint: URL, rules: PushEndpointRules): string | null {
  if (endpoint.protocol !== "https:" && !(endpoint.protocol === "http:" && rules.allowPlainHttp)) return "push services are https";
  if (endpoint.username || endpoint.password) return "a push endpoint carries no user name or password";
  const host = endpoint.hostname.replace(/^\[(.*)\]$/, "$1");
  if (rules.allowLoopback && isLoopback(host)) return null;
  if (!hostListed(host, rules.hosts)) return `push endpoints must be on ${rules.hosts.join(", ")}`;
  // An address written in the URL is judged at once; a name, when it is resolved (push.ts).
  if (isIP(host) && addressRefusal(host)) return "push endpoints are on public addresses";
  return null;
}

/** Exactly a listed name, or a name under a listed `*.domain` (not the domain itself). */
export function hostListed(host: string, hosts: readonly string[]): boolean {
  const name = host.toLowerCase();
  return hosts.some((pattern) => (pattern.startsWith("*.") ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern));
}

function isLoopback(host: string): boolean {
  return host === "localhost" || addressRefusal(host) === "loopback";
}
