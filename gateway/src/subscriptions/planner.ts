import { buildOperationContext } from "@apollo/gateway";
import { operationFromDocument, Supergraph, type Schema } from "@apollo/federation-internals";
import { QueryPlanner, type FetchNode, type PlanNode } from "@apollo/query-planner";
import { print, type DocumentNode, type GraphQLSchema } from "graphql";

export interface SubscriptionPlan {
  /** The subgraph that owns the root field, and the operation it is sent (its own fields only). */
  primary: FetchNode;
  /** What other subgraphs add to each event, as a query plan. */
  rest: PlanNode | undefined;
  operationContext: ReturnType<typeof buildOperationContext>;
}

/**
 * Plans subscriptions with Apollo's query planner, from the supergraph alone: which subgraph
 * owns the root field comes from the supergraph (no list of fields in the gateway), and the
 * plan says what that subgraph streams and how the rest of the selection is fetched per event.
 */
export class SubscriptionPlanner {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  private readonly apiGraphQLSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  private readonly plans = new Map<string, SubscriptionPlan>();

  /** The plan of a subscription, planned once per distinct operation (front-ends send a few, often). */
  plan(document: DocumentNode, operationName: string | null | undefined): SubscriptionPlan {
    const key = `${operationName ?? ""}\u0000${print(document)}`;
    const known = this.plans.get(key);
    if (known) return known;
    const planned = this.build(document, operationName);
    if (this.plans.size >= 1000) this.plans.clear(); // bounded: a client could send endless variants
    this.plans.set(key, planned);
    return planned;
  }

  private build(document: DocumentNode, operationName: string | null | undefined): SubscriptionPlan {
    const operation = operationFromDocument(this.apiSchema, document, { operationName: operationName ?? undefined });
    const plan = this.planner.buildQueryPlan(operation);
    if (plan.node?.kind !== "Subscription") throw new Error("Not a subscription operation.");
    return {
      primary: plan.node.primary,
      rest: plan.node.rest,
      operationContext: buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: document, operationName: operationName ?? undefined }),
    };
  }
}
