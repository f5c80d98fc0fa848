// The config of the child runs that tests/platform/exit-code.test.ts makes: the graph project's
// harness (global-setup.ts, the same compiler settings), on the staged fixtures of this folder only.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import base from "../../../vitest.config.ts";

export default defineConfig({
  plugins: base.plugins,
  resolve: base.resolve,
  root: fileURLToPath(new URL("../../..", import.meta.url)),
  test: {
    include: ["tests/platform/runner/*.fixture.ts"],
    globalSetup: ["tests/harness/global-setup.ts"],
    hookTimeout: 180_000,
    teardownTimeout: base.test?.teardownTimeout,
    pool: "forks",
  },
});
