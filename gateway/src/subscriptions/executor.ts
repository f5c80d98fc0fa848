import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from "@apollo/gateway";
import type { PlanNode } from "@apollo/query-planner";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { GraphQLError, print, type ExecutionArgs, type ExecutionResult } from "graphql";
import type { FormattedExecutionResult } from "graphql-ws";
import { subgraphUnavailable, type Logger, type SubgraphName } from "@localex/common";
import type { GatewayContext } from "../caller.ts";
import type { SubscriptionPlanner } from "./planner.ts";
import type { SubgraphSockets } from "./upstream.ts";

export interface SubscriptionDeps {
  planner: () => SubscriptionPlanner;
  sockets: SubgraphSockets;
  /** The gateway's data sources by subgraph name, for the rest of each event's selection. */
  dataSources: () => ServiceMap;
  log: Logger;
}

type Item = { result: ExecutionResult } | { end: true };

/**
 * Events being completed right now, by who asked, what and for which event: one member's tabs
 * (or one tab's repeated subscriptions) to the same selection share one run of the plan per
 * event instead of fetching the rest of the selection once each. Only while in flight: nothing
 * is cached past the answer.
 */
const inFlight = new Map<string, Promise<ExecutionResult>>();

/**
 * Serves a client's subscription: the subgraph that owns the root field streams its part over
 * graphql-ws (authorising it there); for each event, the rest of the client's selection is
 * fetched from the other subgraphs by the query plan, exactly as for a query. Events are
 * delivered in the order the subgraph sent them. When the client goes away, the subgraph's
 * subscription is closed; when the subgraph goes away, the client is told (SUBGRAPH_UNAVAILABLE).
 */
export async function subscribeThroughSubgraph(args: ExecutionArgs, deps: SubscriptionDeps): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const planner = deps.planner();
  let plan;
  try {
    plan = planner.plan(args.document, args.operationName);
  } catch (e) {
    return { errors: [e instanceof GraphQLError ? e : new GraphQLError(e instanceof Error ? e.message : String(e))] };
  }
  const { primary, rest, operationContext } = plan;
  const context = args.contextValue as GatewayContext;
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const primaryVariables = Object.fromEntries((primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]));

  const queue: Item[] = [];
  let wake: (() => void) | null = null;
  const push = (item: Item) => {
    queue.push(item);
    wake?.();
  };
  let working = Promise.resolve();
  // Each event is completed by the plan in turn, so events leave in the order they came.
  const onEvent = (event: FormattedExecutionResult) => {
    working = working.then(async () => push({ result: await complete(event) }));
  };
  // Who and what, for sharing a run with the same member's identical subscriptions (inFlight).
  const selectionKey = rest
    ? [context.caller?.userId ?? "", context.caller?.role ?? "", print(args.document), args.operationName ?? "", JSON.stringify(variables)].join("\u0000")
    : null;
  const complete = (event: FormattedExecutionResult): Promise<ExecutionResult> => {
    if (!selectionKey || !event.data) return completeOnce(event);
    const key = `${selectionKey}\u0000${JSON.stringify(event)}`;
    const running = inFlight.get(key);
    if (running) return running;
    const run = completeOnce(event).finally(() => inFlight.delete(key));
    inFlight.set(key, run);
    return run;
  };
  const completeOnce = async (event: FormattedExecutionResult): Promise<ExecutionResult> => {
    if (!event.data) return { errors: (event.errors ?? []).map(asGraphQLError) }; // a refusal at subscribe time, or a fault
    const node: PlanNode = rest ? { kind: "Sequence", nodes: [primary, rest] } : primary;
    const services: ServiceMap = { ...deps.dataSources(), [primary.serviceName]: eventSource(event) };
    const requestContext = {
      request: { variables, operationName: args.operationName ?? undefined },
      context,
      document: args.document,
      metrics: {},
      logger: deps.log,
    } as unknown as GatewayGraphQLRequestContext<GatewayContext>;
    const response = await executeQueryPlan(
      { kind: "QueryPlan", node },
      services,
      requestContext,
      operationContext,
      planner.supergraphSchema,
      planner.apiSchema,
    );
    return response as ExecutionResult;
  };

  let unsubscribe: (() => void) | null = null;
  try {
    const request = { query: primary.operation, variables: primaryVariables, operationName: primary.operationName };
    unsubscribe = await deps.sockets.subscribe(primary.serviceName as SubgraphName, request, context, {
      next: onEvent,
      error: (error) => {
        deps.log.debug({ err: error, subgraph: primary.serviceName }, "subgraph subscription ended with an error");
        working = working.then(() => {
          push({ result: { errors: [upstreamGone(primary.serviceName, error)] } });
          push({ end: true });
        });
      },
      complete: () => {
        working = working.then(() => push({ end: true }));
      },
    });
  } catch (e) {
    return { errors: [upstreamGone(primary.serviceName, e)] };
  }

  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe?.();
    wake?.();
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      for (;;) {
        const item = queue.shift();
        if (item && "result" in item) return { done: false, value: item.result };
        if (item || done) {
          finish();
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
    async return(): Promise<IteratorResult<ExecutionResult>> {
      finish();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
      finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/** An error the subgraph sent, as the GraphQLError graphql-ws serialises. */
function asGraphQLError(error: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }): GraphQLError {
  return new GraphQLError(error.message, { path: error.path, extensions: error.extensions });
}

/** A data source that answers the plan's primary fetch with the event the subgraph streamed. */
function eventSource(event: FormattedExecutionResult): GraphQLDataSource {
  return { process: async () => ({ data: event.data, errors: event.errors }) as GatewayGraphQLResponse };
}

function upstreamGone(subgraph: string, error: unknown): GraphQLError {
  // graphql-ws reports a dropped socket as its CloseEvent, or as the array of errors the subgraph sent.
  if (Array.isArray(error) && error.length > 0) return asGraphQLError(error[0] as { message: string });
  return subgraphUnavailable(subgraph, "gone");
}
