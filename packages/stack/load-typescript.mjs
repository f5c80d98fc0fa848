// `node --import ./packages/stack/load-typescript.mjs <file.ts>`: how every process of ours runs
// TypeScript. Node resolves modules as usual (our imports name their `.ts` files); each `.ts` file
// is compiled by swc as it loads, with the decorator metadata type-graphql reads.
//
// Why not @swc-node/register: its hooks run on a separate loader thread (module.register), and
// the main thread waits on that thread for every import; a piece spent about 35 % more CPU
// starting (`pnpm admin --help`: 3.2 s against 4.9 s of CPU, docs/benchmarks/test-suite.md). module.registerHooks
// runs in the thread that imports.
import { enableCompileCache, registerHooks } from "node:module";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transformSync } from "@swc/core";

// As tsconfig.base.json compiles: legacy decorators with metadata, no define semantics for fields.
const compilerOptions = {
  sourceMaps: "inline",
  jsc: {
    parser: { syntax: "typescript", decorators: true },
    target: "es2022",
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: "es6" },
};

// Stack traces point into the .ts files (the inline source maps above).
process.setSourceMapsEnabled(true);

/**
 * Every process of a test run, and every `pnpm` command, starts from the same files: each compiled
 * them again (swc, then V8), about a third of a piece's CPU until it answers. Both results are kept
 * on disk in the clone's node_modules, keyed by the source's content (V8's cache checks its own),
 * so an edit is never answered from an older compile.
 */
const CACHE = fileURLToPath(new URL("../../node_modules/.cache/localex/", import.meta.url));
enableCompileCache(join(CACHE, "v8"));
const SWC_CACHE = join(CACHE, "swc");
const SWC_KEY = createHash("sha256")
  .update(JSON.stringify(compilerOptions))
  .update(JSON.parse(readFileSync(fileURLToPath(import.meta.resolve("@swc/core/package.json")), "utf8")).version)
  .digest("hex");
mkdirSync(SWC_CACHE, { recursive: true });

function compiled(filename) {
  const source = readFileSync(filename, "utf8");
  const key = createHash("sha256").update(SWC_KEY).update(filename).update(source).digest("hex");
  const cached = join(SWC_CACHE, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const { code } = transformSync(source, { ...compilerOptions, filename });
    // Written whole under another name, then renamed: a process reading at the same time sees
    // the whole file or none.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
    return code;
  }
}

/**
 * The "type" of the package a directory belongs to ("module" or "commonjs", null when its
 * package.json names none: Node then looks at the file's syntax), read once per directory. Node's own resolver
 * reads (and parses whole) the nearest package.json again for every import it resolves: for the
 * 400-odd files of drizzle-orm, whose package.json is 180 KB of exports, that cost a piece about
 * a second of CPU at start.
 */
const packageTypes = new Map();
function packageType(directory) {
  let type = packageTypes.get(directory);
  if (type !== undefined) return type;
  try {
    const declared = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")).type;
    type = declared === "module" || declared === "commonjs" ? declared : null;
  } catch (error) {
    if (error?.code !== "ENOENT") throw error;
    const parent = dirname(directory);
    type = parent === directory ? null : packageType(parent);
  }
  packageTypes.set(directory, type);
  return type;
}

const FORMAT_BY_EXTENSION = { ".mjs": "module", ".cjs": "commonjs" };

registerHooks({
  // A relative import of a .js/.mjs/.cjs file from an ES module: resolved as Node would (the
  // file's real path, its package's type), without Node's per-import package.json parse. Anything
  // else (bare specifiers, require, other extensions, a missing file) goes to Node as usual.
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (
      parent?.startsWith("file:") &&
      (specifier.startsWith("./") || specifier.startsWith("../")) &&
      context.conditions?.includes("import") &&
      !context.importAttributes?.type
    ) {
      const extension = /\.(m|c)?js$/.exec(specifier)?.[0];
      if (extension && !specifier.includes("?") && !specifier.includes("#")) {
        let path = null;
        try {
          path = realpathSync.native(fileURLToPath(new URL(specifier, parent)));
        } catch {
          // Missing, or not a path: Node says why.
        }
        const format = path && (FORMAT_BY_EXTENSION[extension] ?? packageType(dirname(path)));
        if (format) return { url: pathToFileURL(path).href, format, shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.startsWith("file:") || !/\.m?ts$/.test(url)) return nextLoad(url, context);
    const filename = fileURLToPath(url);
    return { format: "module", source: compiled(filename), shortCircuit: true };
  },
});
