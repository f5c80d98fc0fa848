import { GraphQLError } from "graphql";
import { Directive, Field, Int, ObjectType, type ClassType } from "type-graphql";
import { isUuid } from "../loaders.ts";
import { apiError } from "../errors.ts";

@ObjectType({ description: "Relay page information." })
@Directive("@shareable")
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds the `<Name>Edge` and `<Name>Connection` types for a node type. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String) cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType]) edges!: EdgeType[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int) totalCount!: number;
  }
  return ConnectionClass;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function badInput(message: string, field: string): GraphQLError {
  return apiError("BAD_USER_INPUT", message, { field });
}

/** `first` defaults to 20 and is capped at 100; a negative value is refused. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (first < 0) throw badInput("`first` must be zero or more.", "first");
  return Math.min(first, MAX_PAGE_SIZE);
}

/**
 * Keyset cursors: an opaque encoding of the sort key of the last row seen, so pages stay
 * stable while rows are inserted.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (cursor == null) return null;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === "string" || typeof k === "number")) {
      return key;
    }
  } catch {
    // fall through to the error below
  }
  throw badInput("`after` is not a cursor from this list.", "after");
}

/** A page with nothing on it (a list shown to its owner only, asked for by someone else). */
export function emptyConnection<T>(): Connection<T> {
  return { edges: [], totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
}

/** Turns `first + 1` fetched rows into a connection page. */
export function toConnection<T>(
  rows: T[],
  first: number,
  cursorOf: (row: T) => (string | number)[],
  totalCount: number,
  hasPreviousPage: boolean,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * A keyset cursor of (instant, uuid), the shape of every "newest (or oldest) first" list: null
 * without one, BAD_USER_INPUT for anything that is not one of ours.
 */
export function decodeInstantCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  const key = decodeCursor(cursor, 2);
  if (!key) return null;
  const [at, id] = key;
  if (typeof at !== "string" || typeof id !== "string" || !isUuid(id) || !isIsoInstant(at)) {
    throw badInput("`after` is not a cursor from this list.", "after");
  }
  return { at, id };
}

/** Exactly what `toISOString` writes (every cursor's instant), so PostgreSQL never sees a date it would reject. */
function isIsoInstant(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}
