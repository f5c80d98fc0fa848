import type { RecalledProduct } from "../db/schema.ts";

/**
 * The recall check's matching rule, on a listing's title and attribute values (not its
 * description: a long text names too many things). Case, accents, hyphens and dots are ignored.
 *
 * - **Model**: a word of a recalled product's `Model` with at least 4 characters and a digit
 *   (pure numbers need 5 digits, so years and sizes do not count) matches the same word in the
 *   listing exactly, hyphens and dots aside: model `SR-1234` matches `sr1234` and `SR-1234`, not
 *   `SR-12345`.
 * - **Name**: the distinctive words of a recalled product's `Name` (at least 4 letters or digits,
 *   not a common word such as "with", "recalled" or "children", a plural's final "s" dropped).
 *   A name with at least 2 such words matches a listing holding at least two thirds of them
 *   (at least 2): "Peg Perego Prima Pappa high chairs" (perego, prima, pappa, high, chair) needs 4.
 *   A name of one distinctive word is matched by its model only.
 */
export const MIN_WORD_LENGTH = 4;

const STOP_WORDS = new Set(
  [
    "with",
    "without",
    "from",
    "that",
    "this",
    "these",
    "those",
    "into",
    "than",
    "their",
    "your",
    "only",
    "also",
    "sold",
    "model",
    "models",
    "number",
    "numbers",
    "recall",
    "recalled",
    "recalls",
    "item",
    "items",
    "product",
    "products",
    "brand",
    "series",
    "style",
    "styles",
    "size",
    "sizes",
    "color",
    "colors",
    "colour",
    "colours",
    "pack",
    "piece",
    "pieces",
    "inch",
    "inches",
    "children",
    "child",
    "kids",
    "adult",
    "adults",
    "various",
    "assorted",
    "other",
    "black",
    "white",
    "blue",
    "green",
    "pink",
    "gray",
    "grey",
    "brown",
    "yellow",
    "purple",
    "orange",
    "silver",
    "gold",
    "clear",
    "large",
    "small",
    "medium",
    "mini",
    "type",
    "types",
    "version",
    "edition",
    "collection",
    "including",
    "include",
    "includes",
    "made",
    "manufactured",
    "distributed",
  ].map(stem),
);

/** Lower case, accents removed. */
function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

function stem(word: string): string {
  return word.length > MIN_WORD_LENGTH && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
}

/** The distinctive words of a product name or a listing's text. */
export function nameWords(text: string): string[] {
  const words = fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= MIN_WORD_LENGTH)
    .map(stem)
    .filter((w) => !STOP_WORDS.has(w));
  return [...new Set(words)];
}

/** A model word as compared: folded, hyphens and dots removed. */
function compact(word: string): string {
  return word.replace(/[-.]/g, "");
}

/** Words that can be model numbers: letters, digits, hyphens and dots, with a digit. */
export function modelWords(text: string): string[] {
  const words = fold(text)
    .split(/[^\p{L}\p{N}.-]+/u)
    .map((w) => w.replace(/^[-.]+|[-.]+$/g, ""))
    .filter((w) => w.length >= MIN_WORD_LENGTH && /\p{N}/u.test(w))
    .map(compact)
    .filter((w) => (/^\p{N}+$/u.test(w) ? w.length >= 5 : w.length >= MIN_WORD_LENGTH));
  return [...new Set(words)];
}

/** What a listing is matched on: its title and attribute values. */
export interface ListingText {
  title: string;
  attributes: Record<string, string>;
}

export interface ListingWords {
  names: Set<string>;
  models: Set<string>;
}

export function listingWords(listing: ListingText): ListingWords {
  const text = [listing.title, ...Object.values(listing.attributes)].join(" \n ");
  return { names: new Set(nameWords(text)), models: new Set(modelWords(text)) };
}

/** How many of a name's distinctive words a listing must hold. */
export function wordsNeeded(count: number): number {
  return Math.max(2, Math.ceil((count * 2) / 3));
}

/** Why a listing matches one of a recall's products (e.g. `model SR-1234`), or null if it does not. */
export function matchProducts(words: ListingWords, products: readonly RecalledProduct[]): string | null {
  for (const product of products) {
    for (const raw of product.model.split(/[^\p{L}\p{N}.-]+/u)) {
      const [model] = modelWords(raw);
      if (model && words.models.has(model)) return `model ${raw.replace(/^[-.]+|[-.]+$/g, "")}`;
    }
  }
  for (const product of products) {
    const name = nameWords(product.name);
    if (name.length < 2) continue;
    const held = name.filter((w) => words.names.has(w));
    if (held.length >= wordsNeeded(name.length)) return `name "${product.name}" (${held.join(", ")})`;
  }
  return null;
}

/** The words a recall is looked up by: every product's model words and distinctive name words. */
export function recallKeys(products: readonly RecalledProduct[]): { models: string[]; nameTokens: string[] } {
  const models = new Set<string>();
  const names = new Set<string>();
  for (const p of products) {
    for (const m of modelWords(p.model)) models.add(m);
    const words = nameWords(p.name);
    if (words.length >= 2) for (const w of words) names.add(w);
  }
  return { models: [...models].sort(), nameTokens: [...names].sort() };
}
