import { createRequire } from "node:module";
import type { ComplexityEstimator } from "graphql-query-complexity";
import { GraphQLError, getNullableType, isListType, Kind, parse, type DocumentNode, type GraphQLSchema } from "graphql";
import { apiError } from "@localex/common";

// Its ESM build imports graphql's .mjs files, a second graphql realm beside the CommonJS one
// Apollo and we load; its CommonJS build shares ours.
const { getComplexity } = createRequire(import.meta.url)("graphql-query-complexity") as typeof import("graphql-query-complexity");

/** What a page holds when a client gives no `first` (every paginated field pages 20 by default). */
export const DEFAULT_PAGE_SIZE = 20;
/** What an unpaginated list is assumed to hold when its subgraph declares no `@listSize`. */
export const DEFAULT_LIST_SIZE = 10;

/** `@listSize(assumedSize:)` per `Type.field`, as subgraphs declare them (composed into the supergraph). */
export type ListSizes = ReadonlyMap<string, number>;

/** Reads every `@listSize(assumedSize: n)` from the supergraph SDL. */
export function listSizesOf(supergraphSdl: string): ListSizes {
  const sizes = new Map<string, number>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const listSize = field.directives?.find((d) => d.name.value === "listSize" || d.name.value.endsWith("__listSize"));
      const assumed = listSize?.arguments?.find((a) => a.name.value === "assumedSize")?.value;
      if (assumed?.kind === Kind.INT) sizes.set(`${definition.name.value}.${field.name.value}`, Number(assumed.value));
    }
  }
  return sizes;
}

/**
 * The cost of an operation with its actual variables: each field costs 1 plus its selection
 * times how many items it returns. A paginated field returns `first` items (the value the client
 * sent, through variables too) or its default page; an unpaginated list its declared
 * `@listSize(assumedSize:)` or DEFAULT_LIST_SIZE; a connection's `edges` what its field already
 * counted. So 20 aliases of `listings(first: $n) { … owner { listings(first: $n) { … } } }`
 * cost what they would fetch, whatever `$n` holds.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
  sizes: ListSizes,
): number {
  const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
    const returns = getNullableType(field.type);
    const key = `${type.name}.${field.name}`;
    let items = 1;
    if (field.args.some((a) => a.name === "first")) {
      const first = args.first;
      items = typeof first === "number" && first >= 0 ? first : (sizes.get(key) ?? DEFAULT_PAGE_SIZE);
    } else if (isListType(returns) && !type.name.endsWith("Connection")) {
      items = sizes.get(key) ?? DEFAULT_LIST_SIZE;
    }
    return 1 + items * childComplexity; // a list of scalars costs 1, like a scalar
  };
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [estimator] });
}

export function costLimitExceeded(cost: number, limit: number): GraphQLError {
  return apiError(
    "COST_LIMIT_EXCEEDED",
    `This operation would cost ${cost}, over the limit of ${limit}: ask for fewer items (smaller \`first\`) or fewer nested lists.`,
    { cost, limit, http: { status: 400 } },
  );
}
