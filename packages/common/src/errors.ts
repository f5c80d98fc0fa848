import { GraphQLError, type GraphQLErrorOptions, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { EXPOSED_ERROR_CODES, type ErrorCode } from "./error-codes.ts";
import type { Logger } from "./logger.ts";

/** A GraphQL error with a registered code; `extensions` adds fields beside the code. */
export function apiError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  options: Omit<GraphQLErrorOptions, "extensions"> = {},
): GraphQLError {
  return new GraphQLError(message, { ...options, extensions: { code, ...extensions } });
}

/** The body of an HTTP-level refusal, in the GraphQL error shape the rest of the server answers with. */
export function errorBody(code: ErrorCode, message: string): { errors: [{ message: string; extensions: { code: ErrorCode } }] } {
  return { errors: [{ message, extensions: { code } }] };
}

/**
 * How a subgraph was away: the gateway's fetch timed out (SUBGRAPH_TIMEOUT) or could not
 * connect, a subscription's upstream socket went away, or one subgraph's call to another failed.
 */
export type SubgraphAbsence = { timeoutSeconds: number } | "unreachable" | "gone" | "call-failed";

const ABSENCE_MESSAGES = {
  unreachable: (subgraph: string) => `The ${subgraph} service is unavailable; try again.`,
  gone: (subgraph: string) => `The ${subgraph} service went away; subscribe again.`,
  "call-failed": (subgraph: string) => `The ${subgraph} service could not be reached; try again.`,
};

/**
 * A subgraph that did not answer, as the one error shape a client can retry on:
 * `{ code: SUBGRAPH_TIMEOUT | SUBGRAPH_UNAVAILABLE, subgraph }`.
 */
export function subgraphUnavailable(subgraph: string, absence: SubgraphAbsence, cause?: unknown): GraphQLError {
  const originalError = cause instanceof Error ? cause : undefined;
  if (typeof absence === "object") {
    return apiError(
      "SUBGRAPH_TIMEOUT",
      `The ${subgraph} service did not answer within ${absence.timeoutSeconds} s; try again.`,
      { subgraph },
      { originalError },
    );
  }
  return apiError("SUBGRAPH_UNAVAILABLE", ABSENCE_MESSAGES[absence](subgraph), { subgraph }, { originalError });
}

export function notFound(what: string): GraphQLError {
  return apiError("NOT_FOUND", `${what} was not found.`);
}

export function forbidden(message: string): GraphQLError {
  return apiError("FORBIDDEN", message);
}

export function badUserInput(message: string, field: string): GraphQLError {
  return apiError("BAD_USER_INPUT", message, { field });
}

/** Keeps errors with an exposed code (error-codes.ts) as they are; logs and masks the rest so no internals leak. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === "string" && EXPOSED_ERROR_CODES.has(code)) return formatted;
    log.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error");
    return {
      message: "Internal server error",
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: "INTERNAL_SERVER_ERROR" satisfies ErrorCode },
    };
  };
}
