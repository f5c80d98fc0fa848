/** What a careless or hostile client may type into a search box. */
export const HOSTILE_QUERIES: [string, string][] = [
  ["quotes", `"bike' OR 1=1 --`],
  ["an unbalanced quote", `"red bike`],
  ["tsquery operators", "bike & | ! :* <-> ( ) ''"],
  ["only operators", "&|!:*()"],
  ["a backslash", "bike\\"],
  ["NUL and control characters", "bi\u0000ke\u0001\u001f\u007f"],
  ["emoji", "🚲🔥 bike 👍🏽"],
  ["emoji only", "🚲🔥"],
  ["a lone surrogate", "bike \ud800"],
  ["LIKE wildcards", "%_%\\_"],
  ["right-to-left and zero-width characters", "\u202ebike\u200b"],
  ["whitespace only", " \t\n "],
  ["a negation only", "-bike"],
  ["or alone", "or"],
  ["exactly 200 characters", "b".repeat(200)],
];
