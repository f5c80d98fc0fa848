import { EventEmitter, on } from "node:events";
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getOperationAST,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from "graphql";
import type { EventBus } from "@localex/common";
import type { GatewayContext } from "../caller.ts";
import { BRIDGED_FIELDS } from "./fields.ts";

const ENTITY_VARIABLE = "__entityId";

export type RunQuery = (document: DocumentNode, variables: Record<string, unknown>, context: GatewayContext) => Promise<ExecutionResult>;

/**
 * Serves one subscription operation: listens to the field's topics and, for each event,
 * runs the subscriber's selection as a query through the gateway. Events whose entity the
 * subscriber may not see (the query returns null) are skipped. A subscription to one entity
 * starts with its current state.
 */
export async function subscribeThroughEvents(
  args: ExecutionArgs,
  events: EventBus,
  runQuery: RunQuery,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const operation = getOperationAST(args.document, args.operationName);
  const field = operation?.selectionSet.selections[0];
  if (!operation || field?.kind !== Kind.FIELD) {
    return { errors: [new GraphQLError("A subscription selects exactly one field.")] };
  }
  const bridged = BRIDGED_FIELDS[field.name.value];
  const fieldDef = args.schema.getSubscriptionType()?.getFields()[field.name.value];
  if (!bridged || !fieldDef) {
    return { errors: [new GraphQLError(`Subscription field "${field.name.value}" is not served.`)] };
  }
  const context = args.contextValue as GatewayContext;
  let topics: string[];
  let entityId: string | null;
  try {
    const fieldArgs = getArgumentValues(fieldDef, field, args.variableValues ?? {});
    topics = bridged.topics(fieldArgs, context.caller);
    entityId = bridged.entityId?.(fieldArgs) ?? null;
  } catch (e) {
    return { errors: [e instanceof GraphQLError ? e : new GraphQLError(String(e))] };
  }

  const query = refetchQuery(args.document, operation, field, bridged.refetch);
  const responseKey = field.alias?.value ?? field.name.value;
  const local = new EventEmitter();
  const unsubscribes = await Promise.all(topics.map((t) => events.subscribe(t, (payload) => local.emit("event", payload))));
  const incoming = on(local, "event");

  const close = async () => {
    await Promise.all(unsubscribes.map((u) => u()));
    await incoming.return?.();
  };
  /** The entity as the subscriber sees it now; null when they may not see it. */
  const read = async (id: string): Promise<ExecutionResult | null> => {
    const result = await runQuery(query, { ...(args.variableValues ?? {}), [ENTITY_VARIABLE]: id }, context);
    const entity = (result.data as Record<string, unknown> | null | undefined)?.[responseKey];
    return entity == null && !result.errors?.length ? null : result;
  };

  // Read after listening, so no change between the two is missed.
  let initial: ExecutionResult | null = null;
  if (entityId !== null) {
    initial = await read(entityId);
    if (!initial) {
      await close();
      const message = `No ${fieldDef.type.toString().replace(/!$/, "")} with id "${entityId}" is visible to you.`;
      return { errors: [new GraphQLError(message, { extensions: { code: "NOT_FOUND" } })] };
    }
  }
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (initial) {
        const value = initial;
        initial = null;
        return { done: false, value };
      }
      for (;;) {
        const event = await incoming.next();
        if (event.done) return { done: true, value: undefined };
        const id = (event.value as [{ id?: unknown }])[0]?.id;
        if (typeof id !== "string") continue;
        const result = await read(id);
        if (result) return { done: false, value: result };
      }
    },
    async return() {
      await close();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/**
 * `subscription S($v: …) { alias: tradeUpdated(id: …) { …selection } }` becomes
 * `query S($v: …, $__entityId: ID!) { alias: trade(id: $__entityId) { …selection } }`,
 * keeping the fragments and only the variables the selection uses.
 */
function refetchQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  field: FieldNode,
  refetch: { field: string; argument: string; argumentType: string },
): DocumentNode {
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const used = new Set<string>();
  for (const node of [field.selectionSet, ...fragments]) {
    if (!node) continue;
    visit(node, { Variable: (v) => void used.add(v.name.value) });
  }
  const variables: VariableDefinitionNode[] = (operation.variableDefinitions ?? []).filter((v) =>
    used.has(v.variable.name.value),
  );
  variables.push({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_VARIABLE } },
    type: parseTypeReference(refetch.argumentType),
  });
  const selection: FieldNode = {
    ...field,
    alias: { kind: Kind.NAME, value: field.alias?.value ?? field.name.value },
    name: { kind: Kind.NAME, value: refetch.field },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: refetch.argument },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_VARIABLE } },
      },
    ],
  };
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: operation.name,
        variableDefinitions: variables,
        directives: [],
        selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
      },
      ...fragments,
    ],
  };
}

function parseTypeReference(type: string): VariableDefinitionNode["type"] {
  const name = { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: type.replace(/!$/, "") } } as const;
  return type.endsWith("!") ? { kind: Kind.NON_NULL_TYPE, type: name } : name;
}
