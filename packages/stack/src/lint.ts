// `pnpm lint`: the formatter's check (Biome, biome.json; `pnpm format` writes its fixes), then
// ESLint's type-aware rules over the whole repository, with ESLint's cache kept per
// state of the tree. A type-aware rule in one file depends on the types of others, so ESLint's
// per-file cache alone could keep a stale verdict (typescript-eslint advises against it); here the
// cache lives in a folder named by a digest of every linted file and the lint settings, so any
// change anywhere lints everything again, and only a tree already linted clean is answered from
// it (CI's second mode, a developer's repeated `pnpm test`).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CACHES = join(ROOT, "node_modules/.cache/localex/eslint");
const INPUT = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

/** Tracked and untracked (not ignored) files that can change a lint verdict, by path and content. */
function treeDigest(): string {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const hash = createHash("sha256");
  for (const path of listed.stdout
    .split("\0")
    .filter((p) => INPUT.test(p))
    .sort()) {
    let content: Buffer;
    try {
      content = readFileSync(join(ROOT, path));
    } catch {
      continue; // listed by git but deleted in the working tree
    }
    hash.update(path).update("\0").update(content).update("\0");
  }
  return hash.digest("hex").slice(0, 24);
}

const biome = spawnSync(join(ROOT, "node_modules/.bin/biome"), ["format", "."], { cwd: ROOT, stdio: "inherit" });
if (biome.status !== 0) {
  console.error("Formatting differs from biome.json's: `pnpm format` rewrites the files.");
  process.exit(biome.status ?? 1);
}

const digest = treeDigest();
const cache = join(CACHES, digest);
mkdirSync(cache, { recursive: true });
// Verdicts about other trees are never read again.
for (const entry of readdirSync(CACHES)) if (entry !== digest) rmSync(join(CACHES, entry), { recursive: true, force: true });

const eslint = join(ROOT, "node_modules/eslint/bin/eslint.js");
const run = spawnSync(process.execPath, [eslint, "--cache", "--cache-strategy", "content", "--cache-location", `${cache}/`, ...process.argv.slice(2), "."], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exit(run.status ?? 1);
