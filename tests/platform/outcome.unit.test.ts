import { describe, expect, it } from "vitest";
import { accepted, andThen, refusal, refusals, toPayload, type Outcome } from "@localex/common";

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
    expect(toPayload(refusal("FORBIDDEN", "Not yours.") as Outcome<{ trade: number }>)).toEqual({ errors: [{ code: "FORBIDDEN", message: "Not yours.", field: null }] });
  });
});

describe("refusals", () => {
  it("answers every refusal of one check, in order, as the payload's errors", () => {
    const all = refusals(refusal("INVALID_INPUT", "Title must not be empty.", "input.title"), refusal("INVALID_INPUT", "Too dear.", "input.creditPrice"));
    expect(toPayload(all as Outcome<number>, "listing")).toEqual({
      listing: null,
      errors: [
        { code: "INVALID_INPUT", message: "Title must not be empty.", field: "input.title" },
        { code: "INVALID_INPUT", message: "Too dear.", field: "input.creditPrice" },
      ],
    });
    const one = refusal("NOT_FOUND", "Gone.");
    expect(refusals(one)).toBe(one);
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
