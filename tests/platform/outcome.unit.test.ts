import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accepted, andThen, refusal, refusals, showing, toPayload, type Outcome } from "@localex/common";

// The one mapping from what a service answers to what a mutation returns (issue 21).
describe("toPayload", () => {
  it("puts an accepted value under its key, with no errors", () => {
    expect(toPayload(accepted({ id: "t1" }), "trade")).toEqual({ trade: { id: "t1" }, errors: [] });
  });

  it("answers a refusal as the payload's one error, its field null and the key's value null", () => {
    const refused: Outcome<{ id: string }> = refusal("INVALID_STATE", "This trade is CANCELLED.", "tradeId");
    expect(toPayload(refused, "trade")).toEqual({ trade: null, errors: [{ code: "INVALID_STATE", message: "This trade is CANCELLED.", field: "tradeId" }] });
    expect(toPayload(refusal("NOT_FOUND", "There is no such trade."), "trade").errors[0]!.field).toBeNull();
  });

  it("spreads an accepted value that is the payload's fields, and leaves them out on a refusal", () => {
    expect(toPayload(accepted({ trade: 1, quote: 2 }))).toEqual({ trade: 1, quote: 2, errors: [] });
    expect(toPayload(refusal("FORBIDDEN", "Not yours.") as Outcome<{ trade: number }>)).toEqual({
      errors: [{ code: "FORBIDDEN", message: "Not yours.", field: null }],
    });
  });
});

describe("andThen", () => {
  it("runs the next step on an accepted value and passes a refusal through without running it", async () => {
    let ran = 0;
    const next = (n: number) => {
      ran++;
      return accepted(n + 1);
    };
    expect(await andThen(accepted(1), next)).toEqual(accepted(2));
    const refused = refusal("NOT_FOUND", "Gone.");
    expect(await andThen(refused as Outcome<number>, next)).toBe(refused);
    expect(ran).toBe(1);
  });
});

describe("refusals and showing", () => {
  it("answers several refusals of one request as the payload's errors, the first leading", () => {
    const all = refusals([refusal("INVALID_INPUT", "Bad id.", "input.recipientId"), refusal("NOTHING_TO_EXCHANGE", "Offer something.", "input")]);
    expect(toPayload(all!, "trade")).toEqual({
      trade: null,
      errors: [
        { code: "INVALID_INPUT", message: "Bad id.", field: "input.recipientId" },
        { code: "NOTHING_TO_EXCHANGE", message: "Offer something.", field: "input" },
      ],
    });
    expect(refusals([refusal("NOT_FOUND", "Gone.")])).toEqual(refusal("NOT_FOUND", "Gone."));
    expect(refusals([])).toBeNull();
  });

  it("shows the refused thing as it stands beside the error, under its key or spread", () => {
    const refused = showing(refusal("IN_PROGRESS", "Busy.", "id"), { id: "t1" });
    expect(toPayload(refused, "trade")).toEqual({ trade: { id: "t1" }, errors: [{ code: "IN_PROGRESS", message: "Busy.", field: "id" }] });
    expect(toPayload(showing(refusal("IN_PROGRESS", "Busy."), { trade: 1 }) as Outcome<{ trade: number }>)).toEqual({
      trade: 1,
      errors: [{ code: "IN_PROGRESS", message: "Busy.", field: null }],
    });
  });
});

/**
 * Where payloads are built: only resolvers, and only through toPayload. A service or store that
 * builds `{ ..., errors: [...] }` or a UserError is a second way to answer, which issue 21 removed.
 */
describe("the outcome convention in the subgraphs' source", () => {
  const ROOT = join(import.meta.dirname, "../..");
  const files = readdirSync(join(ROOT, "subgraphs"), { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && path.includes("/src/") && !path.split("/").includes("node_modules"))
    .map((path) => join("subgraphs", path));
  // Code only: a comment may name the convention.
  const code = (path: string) =>
    readFileSync(join(ROOT, path), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
  const offences = (pattern: RegExp, allowed: (path: string) => boolean) => files.filter((path) => !allowed(path) && pattern.test(code(path)));
  const isResolver = (path: string) => path.endsWith(".resolver.ts");

  it("finds the subgraphs' source (the positive control: resolvers that build payloads with toPayload)", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((path) => isResolver(path) && /\btoPayload\(/.test(code(path))).length).toBeGreaterThan(10);
  });

  it("builds a payload's errors nowhere but in a resolver's toPayload", () => {
    expect(offences(/\buserError\(|\berrors: \[/, () => false)).toEqual([]);
    expect(offences(/\btoPayload\(/, isResolver)).toEqual([]);
  });
});
