// The files a request names, as they pass between the media process and the decoder.
// Lending: with MEDIA_DECODER_UID the decoder is another user, so the request's directories and
// input are handed to it for the request and taken back after, before the parent reads what
// came out; from then on it can change nothing there. Checking: whatever the decoder says it
// wrote, the parent reads only regular files directly inside the output directory it named (a
// decoder taken over could otherwise point the parent at any file the parent may read, and have
// it stored, publicly).
import { chown, lchown, lstat, readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { RenderedVariant } from "../variants.ts";

export interface Owner {
  uid: number;
  gid: number;
}

/** Gives the decoder's user the input, its directory, and the directory the output goes into. */
export async function lend(owner: Owner, input: string, outDir?: string): Promise<void> {
  for (const dir of directoriesOf(input, outDir)) {
    const { mode, uid } = await lstat(dir);
    // Only a private work directory of ours (mkdtemp's), never a shared one such as /tmp.
    if (uid !== process.getuid!() || mode & 0o1002)
      throw new Error(`The image decoder runs as another user and reads only from a private work directory, not ${dir}.`);
    await chown(dir, owner.uid, owner.gid);
  }
  await chown(input, owner.uid, owner.gid);
}

/** Takes back what lend gave, and what the decoder created in the output directory (never following a link). */
export async function takeBack(input: string, outDir?: string): Promise<void> {
  const give = (path: string) => lchown(path, process.getuid!(), process.getgid!()).catch(ignoreMissing);
  for (const dir of directoriesOf(input, outDir)) await give(dir);
  await give(input);
  if (!outDir) return;
  await give(outDir);
  const isDir = await lstat(outDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  for (const entry of isDir ? await readdir(outDir) : []) await give(join(outDir, entry));
}

/** The input after a request: still the plain file it was (the parent may store it as it is, a PDF). */
export async function checkedInput(input: string): Promise<void> {
  if (!(await lstat(input)).isFile()) throw new Error("The image decoder replaced its input with something other than a plain file.");
}

const directoriesOf = (input: string, outDir?: string) => new Set([dirname(input), ...(outDir ? [dirname(outDir)] : [])]);

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

/** The rendered outputs, if each is a regular file directly inside `outDir`; throws otherwise. */
export async function checkedOutputs<T extends RenderedVariant | Record<string, RenderedVariant>>(outDir: string, rendered: T): Promise<T> {
  const variants: RenderedVariant[] = isVariant(rendered) ? [rendered] : Object.values(rendered);
  const dir = resolve(outDir);
  if (!(await lstat(dir)).isDirectory()) throw new Error("The image decoder's output directory is not a directory.");
  for (const variant of variants) {
    const path = resolve(variant.path);
    const file = await lstat(path);
    if (dirname(path) !== dir || !file.isFile() || basename(path).startsWith("."))
      throw new Error(`The image decoder named an output outside its directory, or not a plain file: ${variant.path.slice(0, 200)}`);
  }
  return rendered;
}

function isVariant(value: RenderedVariant | Record<string, RenderedVariant>): value is RenderedVariant {
  return typeof (value as RenderedVariant).path === "string";
}
