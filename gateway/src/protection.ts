import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from "graphql";
import { costLimitExceeded, operationCost, type ListSizes } from "./cost.ts";
import { apiError } from "@localex/common";

/** Parsing stops past this many tokens (Apollo Server's parseOptions; graphql-ws's parse). */
export const MAX_TOKENS = 4000;

/** The longest name an operation may use: an alias, an operation, a variable or a fragment name. */
export const MAX_NAME_LENGTH = 128;

/**
 * Refuses any name longer than MAX_NAME_LENGTH. A name is one token, so the token limit does not
 * bound it: a 1 MiB alias cost one token, came back in every result, and travelled to the subgraph.
 */
export const boundedNames: ValidationRule = (context) => ({
  Name(node) {
    if (node.value.length > MAX_NAME_LENGTH) {
      context.reportError(new GraphQLError(`Names and aliases may be at most ${MAX_NAME_LENGTH} characters.`, { nodes: [node] }));
    }
  },
});

/**
 * Limits on what one operation may ask for: depth, aliases, names, directives and cost. The same
 * validation rules guard HTTP and WebSocket operations.
 */
export function protection(production: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    maxDirectives: { n: 30 },
    // Left to the parser (MAX_TOKENS), which answers GRAPHQL_PARSE_FAILED with a 400.
    maxTokens: { enabled: false },
    // Cost is ours (cost.ts): armor's ignores variables and list sizes.
    costLimit: { enabled: false },
    // Suggestions help people exploring in Sandbox; in production they map the schema for attackers.
    blockFieldSuggestion: { enabled: production },
  });
  const armored = armor.protect();
  return { ...armored, validationRules: [...(armored.validationRules ?? []), boundedNames] };
}

/** Variable sets whose cost is kept per document (the oldest goes first). */
const COUNTED_PER_DOCUMENT = 256;

/**
 * The cost check with the operation's actual variables, for HTTP (this plugin) and WebSocket
 * (`check`, from onSubscribe). Null when the operation is within the limit.
 */
export function costGuard(limit: number, sizes: ListSizes) {
  // Costs already counted, per parsed document (Apollo Server hands the same object for the same
  // text) and variables: walking the document was 3% of the gateway's CPU on a repeated page.
  const counted = new WeakMap<DocumentNode, Map<string, number>>();
  const check = (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName?: string | null,
  ): GraphQLError | null => {
    let byVariables = counted.get(document);
    if (!byVariables) counted.set(document, (byVariables = new Map()));
    const key = `${operationName ?? ""}\u0000${JSON.stringify(variables ?? {})}`;
    let cost = byVariables.get(key);
    if (cost === undefined) {
      const counting = countCost(schema, document, variables, operationName);
      if (typeof counting !== "number") return counting;
      if (byVariables.size >= COUNTED_PER_DOCUMENT) byVariables.delete(byVariables.keys().next().value!);
      byVariables.set(key, (cost = counting));
    }
    return cost > limit ? costLimitExceeded(cost, limit) : null;
  };
  const countCost = (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName?: string | null,
  ): number | GraphQLError => {
    try {
      return operationCost(schema, document, variables, operationName, sizes);
    } catch (e) {
      // Variables that do not fit their types: the same refusal execution would give.
      if (e instanceof GraphQLError) return apiError("BAD_USER_INPUT", e.message, { http: { status: 400 } });
      throw e;
    }
  };
  const plugin: ApolloServerPlugin<object> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName }) {
          const refusal = check(schema, document, request.variables, operationName);
          if (refusal) throw refusal;
        },
      };
    },
  };
  return { check, plugin };
}

/**
 * A response carrying a RATE_LIMITED error (from any subgraph) is answered 429 with Retry-After,
 * the longest wait any of its errors asks for.
 */
export const rateLimitedAsHttp429: ApolloServerPlugin<object> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== "single") return;
        let retryAfter = 0;
        for (const error of response.body.singleResult.errors ?? []) {
          if (error.extensions?.code !== "RATE_LIMITED") continue;
          retryAfter = Math.max(retryAfter, Number(error.extensions.retryAfterSeconds) || 1);
        }
        if (retryAfter === 0) return;
        response.http.status = 429;
        response.http.headers.set("retry-after", String(retryAfter));
      },
    };
  },
};
