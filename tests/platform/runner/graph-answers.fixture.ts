// A passing run that reaches the graph: the positive control, and the run in which the graph's
// staged shutdown faults (LOCALEX_TEST_STACK_FAULT) must still fail the whole run.
import { expect, inject, it } from "vitest";

it("reaches the graph under test", async () => {
  const response = await fetch(inject("gatewayUrl"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ categories { slug } }" }),
  });
  const body = (await response.json()) as { data?: { categories: unknown[] } };
  expect(body.data?.categories.length).toBeGreaterThan(0);
});
