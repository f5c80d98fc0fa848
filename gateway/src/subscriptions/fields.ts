import { GraphQLError } from "graphql";
import { TOPICS, type Caller } from "@localex/common";

/**
 * How the gateway serves a subscription field that a subgraph declares. @apollo/gateway
 * cannot execute subscriptions, so the gateway listens to the domain events behind the field
 * and, for each event, re-reads the entity with a query holding the subscriber's selection,
 * run as the subscriber: whatever the query may not show them, the subscription does not either.
 */
export interface BridgedField {
  /** Event-bus topics to listen to; throw to refuse the subscription. */
  topics(args: Record<string, unknown>, caller: Caller | null): string[];
  /** The Query field that returns the entity, and its arguments from an event's payload. */
  refetch: { field: string; argument: string; argumentType: string };
  /**
   * For a subscription to one entity: its id. Its current state is then delivered first (a
   * client needs no separate query, and knows from it that it will see every later change), and
   * an entity the subscriber may not see ends the subscription with NOT_FOUND.
   */
  entityId?(args: Record<string, unknown>): string | null;
}

function signedIn(caller: Caller | null): Caller {
  if (!caller) {
    throw new GraphQLError("Sign in to subscribe.", { extensions: { code: "UNAUTHENTICATED" } });
  }
  return caller;
}

export const BRIDGED_FIELDS: Record<string, BridgedField> = {
  tradeUpdated: {
    topics: (args, caller) => {
      const { userId } = signedIn(caller);
      return typeof args.id === "string" ? [TOPICS.trade(args.id)] : [TOPICS.userTrades(userId)];
    },
    refetch: { field: "trade", argument: "id", argumentType: "ID!" },
    entityId: (args) => (typeof args.id === "string" ? args.id : null),
  },
  jobUpdated: {
    topics: (args, caller) => {
      signedIn(caller);
      return [TOPICS.job(String(args.id))];
    },
    refetch: { field: "job", argument: "id", argumentType: "ID!" },
    entityId: (args) => String(args.id),
  },
  notificationAdded: {
    topics: (_args, caller) => [TOPICS.userNotifications(signedIn(caller).userId)],
    refetch: { field: "notification", argument: "id", argumentType: "ID!" },
  },
};
