import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, EXPOSED_ERROR_CODES, formatError, isErrorCode, subgraphUnavailable, type Logger } from "@localex/common";

/**
 * The registry of error codes (packages/common/src/error-codes.ts), docs/errors.md and the
 * source agree: the way fastify's docs test keeps lib/errors.js and its Errors.md in step.
 */
const ROOT = join(import.meta.dirname, "../..");
const SOURCE_ROOTS = ["subgraphs", "gateway", "packages"];

type DocRow = { kind: string; exposed: boolean };

/** The table rows of docs/errors.md: | `CODE` | kind | yes/no | text |. */
function documentedCodes(markdown: string): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const [, code, kind, exposed] of markdown.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (\w+) \| (yes|no) \|/gm)) {
    if (rows.has(code!)) throw new Error(`docs/errors.md lists ${code} twice`);
    rows.set(code!, { kind: kind!, exposed: exposed === "yes" });
  }
  return rows;
}

/** Every way docs/errors.md and the registry disagree, as sentences. */
function disagreements(markdown: string): string[] {
  const docs = documentedCodes(markdown);
  const problems: string[] = [];
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    const row = docs.get(code);
    if (!row) problems.push(`${code} is registered but not in docs/errors.md`);
    else if (row.kind !== info.kind) problems.push(`${code} is ${info.kind} in the registry, ${row.kind} in docs/errors.md`);
    else if (row.exposed !== info.exposed) problems.push(`${code}'s exposure differs between the registry and docs/errors.md`);
  }
  for (const code of docs.keys()) if (!isErrorCode(code)) problems.push(`${code} is in docs/errors.md but not registered`);
  return problems;
}

// `code: "X"` (an error's extensions, a refusal's result) and a code given to the helpers.
const CODE_USES = /(?:\bcode:\s*|\b(?:userError|apiError|errorBody)\(\s*)"([A-Z][A-Z0-9_]*)"/g;

/** Codes used in `text` that are not registered, as "file:line CODE". */
function unregisteredUses(file: string, text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    // A Node-style error's own code (ENOTFOUND, RESULT_LOST) is for our retry logic, not the API.
    if (line.includes("Object.assign(new Error")) return;
    for (const [, code] of line.matchAll(CODE_USES)) if (!isErrorCode(code)) found.push(`${file}:${i + 1} ${code}`);
  });
  return found;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

const silent = { error() {} } as unknown as Logger;

describe("the error code registry", () => {
  it("and docs/errors.md list the same codes, of the same kind and exposure", () => {
    expect(disagreements(readFileSync(join(ROOT, "docs/errors.md"), "utf8"))).toEqual([]);
  });

  it("finds a code missing from the docs, one the docs add, and a kind that differs (positive control)", () => {
    const docs = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    const edited = docs
      .replace(/^\| `TRADE_EXPIRED` .*\n/m, "")
      .replace("| `INSUFFICIENT_FUNDS` | refusal |", "| `INSUFFICIENT_FUNDS` | request |")
      .concat("| `NOT_A_REGISTERED_CODE` | refusal | yes | Made up. |\n");
    expect(disagreements(edited)).toEqual([
      "TRADE_EXPIRED is registered but not in docs/errors.md",
      "INSUFFICIENT_FUNDS is refusal in the registry, request in docs/errors.md",
      "NOT_A_REGISTERED_CODE is in docs/errors.md but not registered",
    ]);
  });

  it("holds every code the source under subgraphs/, gateway/ and packages/ uses", () => {
    const unregistered = SOURCE_ROOTS.flatMap((root) =>
      [...sourceFiles(join(ROOT, root))].flatMap((path) => unregisteredUses(relative(ROOT, path), readFileSync(path, "utf8"))),
    );
    expect(unregistered).toEqual([]);
  });

  it("finds an unregistered code in source (positive control)", () => {
    const fixture = [
      'return { errors: [userError("NOT_A_REGISTERED_CODE", "Made up.", "id")] };',
      'throw new GraphQLError("Nope.", { extensions: { code: "FORBIDEN" } });',
      'return { ok: false, code: "INSUFFICIENT_FUNDS", message: "Registered." };',
      'throw Object.assign(new Error("gone"), { code: "ECONNRESET" });',
    ].join("\n");
    expect(unregisteredUses("fixture.ts", fixture)).toEqual(["fixture.ts:1 NOT_A_REGISTERED_CODE", "fixture.ts:2 FORBIDEN"]);
  });
});

describe("formatError's allow-list, derived from the registry", () => {
  const format = formatError(silent);
  const formatted = (code: string) => format({ message: `raised with ${code}`, extensions: { code } }, new GraphQLError("x"));

  it("still exposes every code the hand-kept list exposed, but the refusals that became data", () => {
    const before = [
      "BAD_USER_INPUT",
      "GRAPHQL_PARSE_FAILED",
      "GRAPHQL_VALIDATION_FAILED",
      "BAD_REQUEST",
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "NOT_FOUND",
      "RATE_LIMITED",
      "PAYLOAD_TOO_LARGE",
      "UPLOAD_TOO_SLOW",
      "PERSISTED_QUERY_NOT_FOUND",
      "PERSISTED_QUERY_NOT_SUPPORTED",
      "PERSISTED_QUERY_NOT_IN_LIST",
      "OPERATION_RESOLUTION_FAILURE",
      "COST_LIMIT_EXCEEDED",
      "SUBGRAPH_TIMEOUT",
      "SUBGRAPH_UNAVAILABLE",
      "MEMBER_HAS_ACTIVE_TRADES",
      "MEMBER_DEPARTING",
    ];
    // CONFLICT (retryJob), WRONG_PASSWORD (deleteMyAccount) and PUSH_ENDPOINT_NOT_ALLOWED
    // (registerPushSubscription) were exposed only because those mutations threw them; they are
    // data now, and masked should anything still throw them.
    for (const code of before) expect(formatted(code), code).toEqual({ message: `raised with ${code}`, extensions: { code } });
  });

  it("masks a code that is not exposed, an unregistered one, and INTERNAL_SERVER_ERROR itself", () => {
    for (const code of ["HOLD_NOT_FOUND", "CONFLICT", "WRONG_PASSWORD", "PUSH_ENDPOINT_NOT_ALLOWED", "NOT_A_REGISTERED_CODE", "INTERNAL_SERVER_ERROR"]) {
      expect(formatted(code), code).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    }
    expect(EXPOSED_ERROR_CODES.has("INTERNAL_SERVER_ERROR")).toBe(false);
  });
});

describe("subgraphUnavailable", () => {
  it("gives SUBGRAPH_TIMEOUT and SUBGRAPH_UNAVAILABLE one extension shape, naming the subgraph", () => {
    const cases = [
      [subgraphUnavailable("listings", { timeoutSeconds: 30 }), "SUBGRAPH_TIMEOUT", "The listings service did not answer within 30 s; try again."],
      [subgraphUnavailable("listings", "unreachable"), "SUBGRAPH_UNAVAILABLE", "The listings service is unavailable; try again."],
      [subgraphUnavailable("trades", "gone"), "SUBGRAPH_UNAVAILABLE", "The trades service went away; subscribe again."],
      [subgraphUnavailable("media", "call-failed", new Error("boom")), "SUBGRAPH_UNAVAILABLE", "The media service could not be reached; try again."],
    ] as const;
    for (const [error, code, message] of cases) {
      expect(error.message).toBe(message);
      expect(error.extensions).toEqual({ code, subgraph: message.split(" ")[1] });
    }
    expect(cases[3][0].originalError?.message).toBe("boom");
  });
});
