import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "./logger.ts";

/** Codes a client may see; anything else is an unexpected fault and is masked. */
const EXPOSED_CODES = new Set([
  "BAD_USER_INPUT",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "PERSISTED_QUERY_NOT_IN_LIST",
  "OPERATION_RESOLUTION_FAILURE",
  "COST_LIMIT_EXCEEDED",
  // A subgraph that did not answer in time or could not be reached: retry later.
  "SUBGRAPH_TIMEOUT",
  "SUBGRAPH_UNAVAILABLE",
  // deleteMyAccount's refusals (a Boolean mutation, so they cannot be errors as data).
  "WRONG_PASSWORD",
  "MEMBER_HAS_ACTIVE_TRADES",
]);

export function notFound(what: string): GraphQLError {
  return new GraphQLError(`${what} was not found.`, { extensions: { code: "NOT_FOUND" } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}

export function badUserInput(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field } });
}

/** Keeps user-facing errors as they are; logs and masks the rest so no internals leak. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === "string" && EXPOSED_CODES.has(code)) return formatted;
    log.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error");
    return {
      message: "Internal server error",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}
