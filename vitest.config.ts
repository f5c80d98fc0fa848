import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";
import { SpacedSequencer } from "./tests/harness/sequencer.ts";

/**
 * Two projects. `unit`: code that needs no running graph (rules, parsers, retry, text, cost,
 * config, image processing), files named `*.unit.test.ts`, seconds alone: `pnpm test:unit`.
 * `graph`: everything else, against the whole graph that tests/harness/global-setup.ts starts
 * once per run. `pnpm test` runs both.
 */
export default defineConfig({
  // esbuild emits no decorator metadata; type-graphql needs it, so SWC compiles TypeScript.
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: "typescript", decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: "es2023",
      },
    }),
  ],
  resolve: {
    // graphql ships CJS (main) and ESM (module) builds; Node loads the CJS one, and so must
    // Vite, or the gateway's schema and our validation come from two realms.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Longer than the harness waits for the graph to stop (30 s), so vitest never exits under a
    // teardown that is still finding out whether the graph stopped cleanly.
    teardownTimeout: 60_000,
    pool: "forks",
    // Graph files spend most of their time waiting on the graph (its own process) and PostgreSQL,
    // so two run at once on 2 cores (LOCALEX_TEST_WORKERS to change it); the shared graph's
    // connections are budgeted for it (tests/harness/global-setup.ts). Both projects share it.
    maxWorkers: Number(process.env.LOCALEX_TEST_WORKERS ?? 2),
    reporters: ["default"],
    // Transformed test and harness modules kept on disk (node_modules/.experimental-vitest-cache):
    // the second worker, the second .ci/run mode and a developer's rerun read them instead of
    // compiling every file again. The SWC options above are fixed, so content is the whole key.
    experimental: { fsModuleCache: true },
    sequence: { sequencer: SpacedSequencer },
    projects: [
      // One module graph per worker here too: each unit file imported sharp, graphql, the schema
      // builders again (the unit project took 171 s alone on a loaded machine, 35 s shared).
      { extends: true, test: { name: "unit", include: ["tests/**/*.unit.test.ts"], isolate: false } },
      {
        extends: true,
        test: {
          name: "graph",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/**/*.unit.test.ts", "**/node_modules/**"],
          globalSetup: ["tests/harness/global-setup.ts"],
          // One module graph per worker, not per file: importing the clients (graphql, the AWS
          // SDK, postgres, ioredis) took 2-5 s a file, most of the run on 2 cores. Test files
          // keep no state at their top level but their own clients, so nothing leaks between them.
          isolate: false,
        },
      },
    ],
  },
});
