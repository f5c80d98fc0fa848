import { ApolloArmor } from "@escape.tech/graphql-armor";

/**
 * Limits on what one operation may ask for: depth, aliases, directives, tokens and cost.
 * The same validation rules guard HTTP and WebSocket operations.
 */
export function protection(production: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    maxDirectives: { n: 30 },
    maxTokens: { n: 4000 },
    costLimit: { maxCost: 10_000 },
    // Suggestions help people exploring in Sandbox; in production they map the schema for attackers.
    blockFieldSuggestion: { enabled: production },
  });
  return armor.protect();
}
