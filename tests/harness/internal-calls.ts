// Requests straight to one subgraph, signed as each kind of caller a subgraph meets: the gateway
// for a member, an admin or an anonymous client (the gateway's own two steps: caller.ts reads the
// bearer token, datasource.ts signs), the gateway as a service (its subscription sockets), and a
// subgraph or an operator's tool calling as itself (as InternalClient signs). And which fields
// each subgraph serves as internal (@inaccessible), read from the subgraph itself.
import { Kind, parse, type ConstDirectiveNode } from "graphql";
import { inject } from "vitest";
import { CALLER_HEADER, serviceCaller, signCallerToken, SUBGRAPH_NAMES, type Caller, type ServiceName, type SubgraphName } from "@localex/common";
import { callerFromAuthorization } from "../../gateway/src/caller.ts";
import { TEST_CALLER_KEYS, TEST_JWT_SECRET } from "./secrets.ts";

export interface SubgraphAnswer {
  status: number;
  data: Record<string, unknown> | null;
  errors: { message: string; extensions?: { code?: string } }[];
}

/** The caller the gateway makes of a client's access token (null: anonymous). */
export async function callerOf(accessToken: string | null): Promise<Caller | null> {
  return accessToken === null ? null : callerFromAuthorization(TEST_JWT_SECRET, `Bearer ${accessToken}`);
}

/** The header the gateway sends `audience` for a client with this access token (null: anonymous). */
export async function signedByGateway(audience: SubgraphName, accessToken: string | null): Promise<string> {
  return signCallerToken(TEST_CALLER_KEYS, await callerOf(accessToken), { signer: "gateway", audience, clientAddress: "127.0.0.1" });
}

/** The header `signer` sends `audience` calling as itself (the gateway's: what its sockets carry). */
export function signedAsService(audience: SubgraphName, signer: ServiceName): Promise<string> {
  return signCallerToken(TEST_CALLER_KEYS, serviceCaller(signer), { signer, audience });
}

/** POSTs one operation to the subgraph with the given caller header. */
export async function askSubgraph(subgraph: SubgraphName, header: string, query: string, variables: Record<string, unknown> = {}): Promise<SubgraphAnswer> {
  const response = await fetch(inject("subgraphUrls")[subgraph]!, {
    method: "POST",
    headers: { "content-type": "application/json", [CALLER_HEADER]: header },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: SubgraphAnswer["errors"] };
  return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
}

const INACCESSIBLE = new Set(["inaccessible", "federation__inaccessible"]);
const marked = (node: { readonly directives?: readonly ConstDirectiveNode[] }) => node.directives?.some((d) => INACCESSIBLE.has(d.name.value)) ?? false;

export interface InternalSchema {
  /** Every @inaccessible field, as `Type.field`, and the subgraph that serves it. */
  owners: Map<string, SubgraphName>;
  /** Any other @inaccessible element but a whole type (an argument, an input field, an enum value). */
  others: string[];
}

/** Reads every running subgraph's own SDL (`_service { sdl }`): what it serves, not what schema/ says it did. */
export async function internalSchema(): Promise<InternalSchema> {
  const owners = new Map<string, SubgraphName>();
  const others: string[] = [];
  for (const subgraph of SUBGRAPH_NAMES) {
    const answer = await askSubgraph(subgraph, await signedByGateway(subgraph, null), `{ _service { sdl } }`);
    const sdl = (answer.data?._service as { sdl?: unknown } | undefined)?.sdl;
    if (typeof sdl !== "string") throw new Error(`${subgraph} did not answer its SDL: ${JSON.stringify(answer.errors)}`);
    for (const def of parse(sdl).definitions) {
      if ("fields" in def) {
        for (const field of def.fields ?? []) {
          const name = `${def.name.value}.${field.name.value}`;
          if (marked(field) && field.kind === Kind.FIELD_DEFINITION) owners.set(name, subgraph);
          else if (marked(field)) others.push(`${subgraph}: ${name}`);
          if ("arguments" in field) for (const arg of field.arguments ?? []) if (marked(arg)) others.push(`${subgraph}: ${name}(${arg.name.value})`);
        }
      }
      if ("values" in def) for (const value of def.values ?? []) if (marked(value)) others.push(`${subgraph}: ${def.name.value}.${value.name.value}`);
    }
  }
  return { owners, others };
}
