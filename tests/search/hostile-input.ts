/**
 * What a careless or hostile client may type into a search box, and what a search for it finds
 * among listings where only "Red bike" is in the category: "bike" (the words it carries are
 * matched as plain words, operators ignored), "nothing" (no word of it is in the listing), or
 * "either" where engines may reasonably differ (the OpenSearch adapter's fuzzy and prefix
 * matching, say) and only a well-formed answer is required.
 */
export interface HostileQuery {
  name: string;
  query: string;
  finds: "bike" | "nothing" | "either";
}

export const HOSTILE_QUERIES: HostileQuery[] = [
  { name: "quotes", query: `"bike' OR 1=1 --`, finds: "either" },
  { name: "an unbalanced quote", query: `"red bike`, finds: "bike" },
  { name: "tsquery operators", query: "bike & | ! :* <-> ( ) ''", finds: "bike" },
  { name: "only operators", query: "&|!:*()", finds: "nothing" },
  { name: "a backslash", query: "bike\\", finds: "bike" },
  { name: "NUL and control characters", query: "bi\u0000ke\u0001\u001f\u007f", finds: "either" },
  { name: "emoji", query: "🚲🔥 bike 👍🏽", finds: "bike" },
  { name: "emoji only", query: "🚲🔥", finds: "nothing" },
  { name: "a lone surrogate", query: "bike \ud800", finds: "bike" },
  { name: "LIKE wildcards", query: "%_%\\_", finds: "nothing" },
  { name: "right-to-left and zero-width characters", query: "\u202ebike\u200b", finds: "bike" },
  { name: "whitespace only", query: " \t\n ", finds: "bike" },
  { name: "a negation only", query: "-bike", finds: "either" },
  { name: "or alone", query: "or", finds: "either" },
  { name: "exactly 200 characters", query: "b".repeat(200), finds: "nothing" },
];

/** The ids a search for `hostile` may answer with, given the bike's id. */
export function allowedAnswers(hostile: HostileQuery, bikeId: string): string[][] {
  if (hostile.finds === "bike") return [[bikeId]];
  if (hostile.finds === "nothing") return [[]];
  return [[], [bikeId]];
}
