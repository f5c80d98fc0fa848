import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { Kind, OperationTypeNode, parse, print, visit, type DefinitionNode, type FieldNode, type NameNode, type VariableDefinitionNode } from "graphql";

/** One operation for a subgraph, as @apollo/gateway hands it to a data source. */
export interface SubgraphOperation {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/**
 * An entity fetch of a query plan: `_entities(representations: $representations)` and nothing
 * else a merge could change the meaning of (no extensions, such as a persisted query's hash).
 */
export function isEntityFetch(operation: SubgraphOperation): boolean {
  return (
    operation.variables !== undefined &&
    "representations" in operation.variables &&
    (!operation.extensions || Object.keys(operation.extensions).length === 0) &&
    operation.query.includes("_entities(")
  );
}

interface Pending {
  operation: SubgraphOperation;
  resolve: (answer: GatewayGraphQLResponse) => void;
  reject: (error: unknown) => void;
}

/**
 * Entity fetches of one client operation to one subgraph, started in the same turn of the event
 * loop, go as one request (GATEWAY_MERGE_ENTITY_FETCHES). @apollo/gateway's plans fetch a
 * subgraph once per path: a search page asks listings for its hits and, beside it, for their
 * similar listings; then identity for both sets of owners. Hive's Rust planner makes one fetch of
 * each; here each merged fetch is one document whose `_entities` fields are aliased apart, so the
 * subgraph runs one operation and its loaders read the keys of all of them in one statement.
 * The answer is split back by alias, errors by their path; an error without a path (the whole
 * request refused) goes to every fetch of the batch.
 */
export class EntityFetchMerger {
  private readonly pending = new Map<object, Pending[]>();

  /** `send` posts one operation to the subgraph for the client operation whose context it is. */
  constructor(private readonly send: (context: object, operation: SubgraphOperation) => Promise<GatewayGraphQLResponse>) {}

  fetch(context: object, operation: SubgraphOperation): Promise<GatewayGraphQLResponse> {
    let batch = this.pending.get(context);
    if (!batch) {
      batch = [];
      this.pending.set(context, batch);
      // After the plan's node has started all of its fetches (they start in microtasks of this turn).
      setImmediate(() => void this.flush(context));
    }
    const joined = batch;
    return new Promise((resolve, reject) => joined.push({ operation, resolve, reject }));
  }

  private async flush(context: object): Promise<void> {
    const batch = this.pending.get(context) ?? [];
    this.pending.delete(context);
    if (batch.length === 1) {
      const [only] = batch as [Pending];
      return this.send(context, only.operation).then(only.resolve, only.reject);
    }
    let merged: MergedDocument;
    try {
      merged = mergedDocument(
        batch.map((b) => b.operation.query),
        batch[0]!.operation.operationName,
      );
    } catch {
      // Not a shape this merges (never seen from @apollo/gateway's plans): each goes alone.
      for (const b of batch) this.send(context, b.operation).then(b.resolve, b.reject);
      return;
    }
    const variables: Record<string, unknown> = {};
    batch.forEach((b, i) => {
      for (const [name, value] of Object.entries(b.operation.variables ?? {})) variables[`${prefixOf(i)}${name}`] = value;
    });
    try {
      const answer = await this.send(context, { query: merged.query, operationName: batch[0]!.operation.operationName, variables });
      batch.forEach((b, i) => b.resolve(answerOf(answer, i, merged.rootKeys[i]!)));
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }
}

const prefixOf = (i: number) => `_${i}_`;

interface MergedDocument {
  query: string;
  /** Each operation's own response keys at the root, in its order. */
  rootKeys: string[][];
}

// A plan's fetches are the same few documents again and again: each merge is built once.
const MERGED_LIMIT = 1000;
const mergedDocuments = new Map<string, MergedDocument>();

/**
 * One query holding every operation of `queries`, their root fields, variables and fragments
 * prefixed `_<i>_`, named `name` (the first fetch's: subgraphs' metrics count operations by name).
 */
function mergedDocument(queries: string[], name: string | undefined): MergedDocument {
  const key = `${name ?? ""}\u0000${queries.join("\u0000")}`;
  const known = mergedDocuments.get(key);
  if (known) return known;
  const variableDefinitions: VariableDefinitionNode[] = [];
  const selections: FieldNode[] = [];
  const fragments: DefinitionNode[] = [];
  const rootKeys = queries.map((query, i) => {
    const prefix = prefixOf(i);
    const rename = (name: NameNode): NameNode => ({ ...name, value: `${prefix}${name.value}` });
    const renamed = visit(parse(query), {
      Variable: (node) => ({ ...node, name: rename(node.name) }),
      FragmentSpread: (node) => ({ ...node, name: rename(node.name) }),
      FragmentDefinition: (node) => ({ ...node, name: rename(node.name) }),
    });
    const keys: string[] = [];
    for (const definition of renamed.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        fragments.push(definition);
        continue;
      }
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== "query") throw new Error("Only queries' entity fetches are merged.");
      variableDefinitions.push(...(definition.variableDefinitions ?? []));
      for (const selection of definition.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD) throw new Error("An entity fetch selects fields at its root.");
        const responseKey = selection.alias?.value ?? selection.name.value;
        keys.push(responseKey);
        selections.push({ ...selection, alias: { kind: Kind.NAME, value: `${prefix}${responseKey}` } });
      }
    }
    return keys;
  });
  const query = print({
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        ...(name ? { name: { kind: Kind.NAME, value: name } } : {}),
        variableDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...fragments,
    ],
  });
  if (mergedDocuments.size >= MERGED_LIMIT) mergedDocuments.delete(mergedDocuments.keys().next().value!);
  const merged = { query, rootKeys };
  mergedDocuments.set(key, merged);
  return merged;
}

/** The part of a merged answer that is the `i`th operation's, as if it had been sent alone. */
function answerOf(answer: GatewayGraphQLResponse, i: number, rootKeys: string[]): GatewayGraphQLResponse {
  const prefix = prefixOf(i);
  const data = answer.data == null ? answer.data : Object.fromEntries(rootKeys.map((key) => [key, answer.data![`${prefix}${key}`] ?? null]));
  const errors = answer.errors
    ?.filter((error) => !error.path || String(error.path[0]).startsWith(prefix))
    .map((error) => (error.path ? { ...error, path: [String(error.path[0]).slice(prefix.length), ...error.path.slice(1)] } : error));
  return {
    ...(data !== undefined ? { data } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
    ...(answer.extensions ? { extensions: answer.extensions } : {}),
  };
}
