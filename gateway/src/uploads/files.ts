import { Upload } from "@localex/common";

/** One file a subgraph fetch sends, and every place in `operations` it goes ("variables.file"). */
export interface OutgoingFile {
  upload: Upload;
  paths: string[];
}

/** A subgraph fetch's variables split for a multipart request: null where each file goes, and the files. */
export interface SeparatedFiles {
  variables: Record<string, unknown>;
  files: OutgoingFile[];
}

/**
 * Finds the client's files in a fetch's variables. Returns null when there are none; otherwise
 * a copy of the variables with null in each file's place (the original object is the
 * incoming request's and is shared by every fetch of the plan, so it is left alone).
 */
export function separateFiles(variables: Record<string, unknown>): SeparatedFiles | null {
  const found = new Map<Upload, string[]>();
  const stripped = strip(variables, "variables", found) as Record<string, unknown>;
  if (found.size === 0) return null;
  return { variables: stripped, files: [...found].map(([upload, paths]) => ({ upload, paths })) };
}

/** `value` with null for each Upload in it; containers without one are returned as they are. */
function strip(value: unknown, path: string, found: Map<Upload, string[]>): unknown {
  if (value instanceof Upload) {
    const paths = found.get(value);
    if (paths) paths.push(path);
    else found.set(value, [path]);
    return null;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const replaced = strip(item, `${path}.${index}`, found);
      if (replaced !== item) (copy ??= [...value])[index] = replaced;
    });
    return copy ?? value;
  }
  if (typeof value === "object" && value !== null) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const replaced = strip(item, `${path}.${key}`, found);
      if (replaced !== item) (copy ??= { ...value })[key] = replaced;
    }
    return copy ?? value;
  }
  return value;
}

/**
 * The files in the order the subgraph's operation first uses their variables: the order its
 * resolvers ask for them (a mutation's fields run one after another). Sent in that order, no
 * resolver waits on a file while another it does not need yet is being sent.
 */
export function inReadingOrder(query: string, files: OutgoingFile[]): OutgoingFile[] {
  if (files.length < 2) return files;
  const selections = selectionSetStart(query);
  const firstUse = new Map(
    files.map((file) => {
      const variable = file.paths[0]!.split(".")[1]!;
      const use = new RegExp(`\\$${variable}(?![_0-9A-Za-z])`, "g");
      use.lastIndex = selections;
      return [file, use.exec(query)?.index ?? Infinity] as const;
    }),
  );
  return [...files].sort((a, b) => firstUse.get(a)! - firstUse.get(b)!);
}

/** Where the operation's selections start: the first `{` outside the variable definitions (defaults may hold objects). */
function selectionSetStart(query: string): number {
  let depth = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "{" && depth === 0) return i;
  }
  return 0;
}
