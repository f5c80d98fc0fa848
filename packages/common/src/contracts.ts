/**
 * What subgraphs agree on without importing each other: job names and payloads on the
 * shared queue, and event topics for live subscriptions. docs/contracts.md explains each.
 */

/** Job names on the shared queue, `<owner subgraph>:<task>`. */
export const TASKS = {
  /** identity → ledger, in the registration transaction: grant the welcome credits. */
  welcomeGrant: "ledger:welcome-grant",
  /** listings → search, in the transaction of every listing change: (re)index the listing. */
  indexListing: "search:index-listing",
} as const;

export interface WelcomeGrantJob {
  userId: string;
}

export type ListingStatusName = "DRAFT" | "ACTIVE" | "RESERVED" | "TRADED" | "ARCHIVED";
export type ItemConditionName = "NEW" | "LIKE_NEW" | "GOOD" | "FAIR" | "POOR";

/** A listing as the search index sees it: a snapshot taken in the transaction that changed it. */
export interface ListingDocument {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  categoryId: string;
  categorySlug: string;
  condition: ItemConditionName;
  status: ListingStatusName;
  creditPrice: number | null;
  location: { lat: number; lon: number } | null;
  createdAt: string;
  updatedAt: string;
  /** Increases with every change; the index ignores a snapshot older than what it holds. */
  version: number;
}

export interface IndexListingJob {
  listing: ListingDocument;
}

/** Event-bus topics; payloads carry ids only, subscribers fetch what they select. */
export const TOPICS = {
  trade: (tradeId: string) => `trade:${tradeId}`,
  userTrades: (userId: string) => `user:${userId}:trades`,
  userNotifications: (userId: string) => `user:${userId}:notifications`,
  job: (jobId: string) => `job:${jobId}`,
} as const;
