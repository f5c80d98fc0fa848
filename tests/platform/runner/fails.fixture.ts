// One failing assertion: the run must exit non-zero.
import { expect, it } from "vitest";

it("fails on purpose", () => {
  expect("what the graph said").toBe("something else");
});
