import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const ledger = pgSchema("ledger");

/** The account every grant (welcome or admin) is drawn from; its balance goes negative. */
export const ISSUANCE_ACCOUNT_ID = "00000000-0000-0000-0000-000000000001";

/**
 * One account per user (its id is the user's id) plus system accounts. `balance` and `held`
 * are caches of the postings and open holds, updated in the same transaction and checked by
 * reconciliation; the CHECKs keep a user's available credits (balance - held) from going negative,
 * and their locked welcome credits within the balance.
 */
export const accounts = ledger.table(
  "accounts",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind", { enum: ["user", "system"] }).notNull(),
    /** System accounts only, e.g. `issuance`. */
    name: text("name"),
    balance: bigint("balance", { mode: "number" }).notNull().default(0),
    held: bigint("held", { mode: "number" }).notNull().default(0),
    /**
     * The part of `balance` that is welcome credits not yet unlocked: spendable in trades (escrow
     * draws on `balance - held`), never sent with transferCredits (which may move at most
     * `balance - welcome_locked`). Grown by the welcome grant, cut to the balance when credits
     * leave in a settlement (welcome credits are spent first), zeroed when the member completes
     * a trade (`ledger:trade-completed`). Not a cache of the postings: the rule's own state.
     */
    welcomeLocked: bigint("welcome_locked", { mode: "number" }).notNull().default(0),
    /** When the member first completed a trade: a welcome grant after it is not locked. */
    tradedAt: timestamp("traded_at", { withTimezone: true }),
    /** Its member deleted their account: nothing more can be sent to it; its postings stay. */
    closedAt: timestamp("closed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("accounts_name_key").on(t.name),
    check("accounts_kind_check", sql`${t.kind} in ('user', 'system')`),
    check("accounts_held_check", sql`${t.held} >= 0`),
    check("accounts_available_check", sql`${t.kind} = 'system' or ${t.balance} - ${t.held} >= 0`),
    check("accounts_welcome_locked_check", sql`${t.welcomeLocked} >= 0 and (${t.kind} = 'system' or ${t.welcomeLocked} <= ${t.balance})`),
  ],
);

/** A movement of credits: its postings (one debit, one credit) sum to zero, checked at commit. */
export const transfers = ledger.table(
  "transfers",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind", { enum: ["transfer", "grant", "welcome", "escrow"] }).notNull(),
    memo: text("memo"),
    /** Who asked for it: a user id, or `service:<subgraph>` / `system`. */
    initiator: text("initiator").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("transfers_kind_check", sql`${t.kind} in ('transfer', 'grant', 'welcome', 'escrow')`)],
);

/** Immutable: triggers refuse UPDATE, DELETE and TRUNCATE; corrections are new transfers. */
export const postings = ledger.table(
  "postings",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    transferId: uuid("transfer_id")
      .notNull()
      .references(() => transfers.id),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    /** The other side of the transfer, for statements. */
    counterpartyId: uuid("counterparty_id")
      .notNull()
      .references(() => accounts.id),
    amount: bigint("amount", { mode: "number" }).notNull(),
    /** The account's balance right after this posting (the account row is locked when it is written). */
    balanceAfter: bigint("balance_after", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("postings_account_idx").on(t.accountId, t.id),
    index("postings_transfer_idx").on(t.transferId),
    check("postings_amount_check", sql`${t.amount} <> 0`),
  ],
);

/** Escrow: credits of the payer set aside for the payee until settled or released, once. */
export const holds = ledger.table(
  "holds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    holdKey: text("hold_key").notNull(),
    tradeId: text("trade_id").notNull(),
    payerId: uuid("payer_id")
      .notNull()
      .references(() => accounts.id),
    payeeId: uuid("payee_id")
      .notNull()
      .references(() => accounts.id),
    amount: bigint("amount", { mode: "number" }).notNull(),
    status: text("status", { enum: ["HELD", "SETTLED", "RELEASED"] })
      .notNull()
      .default("HELD"),
    /** The settlement transfer, once settled. */
    transferId: uuid("transfer_id").references(() => transfers.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("holds_key_key").on(t.holdKey),
    index("holds_trade_idx").on(t.tradeId),
    index("holds_open_payer_idx").on(t.payerId).where(sql`${t.status} = 'HELD'`),
    check("holds_amount_check", sql`${t.amount} >= 0`),
    check("holds_status_check", sql`${t.status} in ('HELD', 'SETTLED', 'RELEASED')`),
  ],
);

/**
 * One row per (caller scope, key) of a money-moving request: the hash of the request and its
 * first result, written in the transaction that did the work, so a replay returns the same.
 */
export const idempotencyKeys = ledger.table(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    result: jsonb("result"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

export type AccountRow = typeof accounts.$inferSelect;
export type HoldRow = typeof holds.$inferSelect;
export const schema = { accounts, transfers, postings, holds, idempotencyKeys };
