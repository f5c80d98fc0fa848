// @localex/client: the typed documents generated from src/operations/ (XDocument, with their
// result and variables types), the schema's input types and enums they use, and a small client.
export * from "./gql/graphql.ts";
export { graphql } from "./gql/gql.ts";
export * from "./client.ts";
