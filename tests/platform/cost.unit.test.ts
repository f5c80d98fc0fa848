// What an operation costs, counted as the gateway counts it (gateway/src/cost.ts), on the
// public API schema as it is checked in: no graph needed.
import { readFileSync } from "node:fs";
import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIST_SIZE, DEFAULT_PAGE_SIZE, listSizesOf, operationCost } from "../../gateway/src/cost.ts";

const read = (file: string) => readFileSync(new URL(`../../schema/${file}`, import.meta.url), "utf8");
const schema = buildSchema(read("api.graphql"));
const sizes = listSizesOf(read("supergraph.graphql"));
const cost = (query: string, variables?: Record<string, unknown>) => operationCost(schema, parse(query), variables, undefined, sizes);

describe("operation cost", () => {
  it("counts a scalar field once", () => {
    expect(cost("{ me { id } }")).toBe(2);
  });

  it("multiplies a page by the `first` the client sent, through variables too", () => {
    const literal = cost("{ listings(first: 50) { edges { node { id title } } } }");
    const viaVariable = cost("query ($n: Int) { listings(first: $n) { edges { node { id title } } } }", { n: 50 });
    expect(viaVariable).toBe(literal);
    // Twice the page, nearly twice the cost: the items dominate.
    const half = cost("{ listings(first: 25) { edges { node { id title } } } }");
    expect(literal - 1).toBe(2 * (half - 1));
  });

  it("charges the default page when no `first` is given", () => {
    const unpaged = cost("{ listings { edges { node { id } } } }");
    const defaultPage = cost(`{ listings(first: ${DEFAULT_PAGE_SIZE}) { edges { node { id } } } }`);
    expect(unpaged).toBe(defaultPage);
  });

  it("counts every alias, so aliasing one field many times costs what it fetches", () => {
    const one = cost("{ a: listings(first: 10) { edges { node { id } } } }");
    const five = cost(`{ ${[1, 2, 3, 4, 5].map((i) => `a${i}: listings(first: 10) { edges { node { id } } }`).join(" ")} }`);
    expect(five).toBe(5 * one);
  });

  it("charges nested pages multiplied, as they would fetch", () => {
    const flat = cost("{ listings(first: 10) { edges { node { id } } } }");
    const nested = cost("{ listings(first: 10) { edges { node { id owner { listings(first: 10) { edges { node { id } } } } } } } }");
    expect(nested).toBeGreaterThan(10 * flat);
  });

  it("assumes an unpaginated list holds its declared size, or the default", () => {
    const photos = cost('{ listing(id: "1") { photos { id } } }');
    const declared = sizes.get("Listing.photos") ?? DEFAULT_LIST_SIZE;
    expect(photos).toBe(1 + (1 + declared * 1));
  });
});
