import "reflect-metadata";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap, type BuildSchemaOptions, type PubSub } from "type-graphql";
import { DateTimeScalar } from "./graphql/scalars.ts";

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@interfaceObject"])`;

/**
 * Each entity's resolver takes a representation of its own shape; `never` lets any of them in
 * (Apollo calls it with the representation, we never call it here).
 */
type ReferenceResolver<TContext> = (reference: never, context: TContext) => unknown;

export interface FederatedSchemaOptions<TContext> {
  /** The resolver classes, as type-graphql takes them. */
  resolvers: BuildSchemaOptions["resolvers"];
  orphanedTypes?: BuildSchemaOptions["orphanedTypes"];
  /** `__resolveReference` per entity type name; each should load through a DataLoader. */
  referenceResolvers?: Record<string, ReferenceResolver<TContext>>;
}

/**
 * Subscription fields bring their own `subscribe` (an event stream from liveStream, authorised
 * there); type-graphql still insists on a pubSub for topic-based ones, which we do not use.
 */
const noTopicSubscriptions: PubSub = {
  publish: () => {},
  subscribe: () => {
    throw new Error("Subscription fields here use `subscribe`, not topics.");
  },
};

/**
 * Turns type-graphql resolvers into an Apollo Federation 2 subgraph schema: type-graphql
 * builds the schema and its directives, @apollo/subgraph adds `_service`, `_entities` and
 * the federation directives.
 */
export async function buildFederatedSchema<TContext>(options: FederatedSchemaOptions<TContext>): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    skipCheck: true,
    pubSub: noTopicSubscriptions,
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<TContext>;
  for (const [typeName, resolveReference] of Object.entries(options.referenceResolvers ?? {})) {
    const typeResolvers = (resolvers[typeName] ??= {}) as Record<string, unknown>;
    typeResolvers.__resolveReference = resolveReference;
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
