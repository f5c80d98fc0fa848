import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

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
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/harness/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: "forks",
    reporters: ["default"],
  },
});
