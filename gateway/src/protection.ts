import { ApolloArmor } from "@escape.tech/graphql-armor";

/** Parsing stops past this many tokens (Apollo Server's parseOptions; graphql-ws's parse). */
export const MAX_TOKENS = 4000;

/**
 * Limits on what one operation may ask for: depth, aliases, directives and cost. The same
 * validation rules guard HTTP and WebSocket operations.
 */
export function protection(production: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    maxDirectives: { n: 30 },
    // Left to the parser (MAX_TOKENS), which answers GRAPHQL_PARSE_FAILED with a 400.
    maxTokens: { enabled: false },
    costLimit: { maxCost: 10_000 },
    // Suggestions help people exploring in Sandbox; in production they map the schema for attackers.
    blockFieldSuggestion: { enabled: production },
  });
  return armor.protect();
}
