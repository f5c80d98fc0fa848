import { badUserInput } from "@localex/common";

export const MAX_QUERY_LENGTH = 200;
export const MAX_TOKENS = 16;

// Control characters (NUL included: PostgreSQL refuses it in text) become spaces.
const CONTROL = /\p{Cc}/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * What a user typed, made safe for either engine: NFC, well-formed UTF-16, no control
 * characters, whitespace collapsed, at most MAX_QUERY_LENGTH characters (else a
 * BAD_USER_INPUT naming `field`). Null when nothing searchable is left.
 */
export function cleanQueryText(raw: string | null | undefined, field: string, max = MAX_QUERY_LENGTH): string | null {
  if (raw == null) return null;
  const text = raw.replace(LONE_SURROGATE, "\uFFFD").normalize("NFC").replace(CONTROL, " ").replace(/\s+/g, " ").trim();
  if ([...text].length > max) throw badUserInput(`\`${field}\` must be at most ${max} characters.`, field);
  return text === "" ? null : text;
}

/** The words of the text (letters and digits only), at most MAX_TOKENS of them. */
export function wordsOf(text: string): string[] {
  return (text.match(WORD) ?? []).slice(0, MAX_TOKENS);
}

/** Whether the user wrote web-search syntax: "quoted phrases", -exclusions or OR. */
export function usesWebSearchSyntax(text: string): boolean {
  return /"/.test(text) || /(^|\s)-[\p{L}\p{N}]/u.test(text) || /\sor\s/i.test(text);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const MARK_START = "\u0002";
export const MARK_STOP = "\u0003";

/** Escapes a fragment that engines marked with MARK_START/MARK_STOP and turns the marks into <mark>. */
export function markHighlight(fragment: string): string {
  return fragment
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
    .replaceAll(MARK_START, "<mark>")
    .replaceAll(MARK_STOP, "</mark>");
}
