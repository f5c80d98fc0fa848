import { describe, expect, it } from "vitest";
import { composeSupergraph, staleFiles } from "@localex/stack";

describe("schema/", () => {
  it("holds the supergraph and API schema composed from the subgraphs as they are now", async () => {
    const composed = await composeSupergraph();
    // On failure: run `pnpm schema:compose` and commit schema/.
    expect(await staleFiles(composed)).toEqual([]);
  });
});
