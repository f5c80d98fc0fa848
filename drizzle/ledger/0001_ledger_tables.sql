CREATE TABLE "ledger"."accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text,
	"balance" bigint DEFAULT 0 NOT NULL,
	"held" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_kind_check" CHECK ("ledger"."accounts"."kind" in ('user', 'system')),
	CONSTRAINT "accounts_held_check" CHECK ("ledger"."accounts"."held" >= 0),
	CONSTRAINT "accounts_available_check" CHECK ("ledger"."accounts"."kind" = 'system' or "ledger"."accounts"."balance" - "ledger"."accounts"."held" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger"."holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hold_key" text NOT NULL,
	"trade_id" text NOT NULL,
	"payer_id" uuid NOT NULL,
	"payee_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"status" text DEFAULT 'HELD' NOT NULL,
	"transfer_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "holds_amount_check" CHECK ("ledger"."holds"."amount" >= 0),
	CONSTRAINT "holds_status_check" CHECK ("ledger"."holds"."status" in ('HELD', 'SETTLED', 'RELEASED'))
);
--> statement-breakpoint
CREATE TABLE "ledger"."idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "ledger"."postings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger"."postings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"transfer_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"counterparty_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "postings_amount_check" CHECK ("ledger"."postings"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "ledger"."transfers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"memo" text,
	"initiator" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transfers_kind_check" CHECK ("ledger"."transfers"."kind" in ('transfer', 'grant', 'welcome', 'escrow'))
);
--> statement-breakpoint
ALTER TABLE "ledger"."holds" ADD CONSTRAINT "holds_payer_id_accounts_id_fk" FOREIGN KEY ("payer_id") REFERENCES "ledger"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."holds" ADD CONSTRAINT "holds_payee_id_accounts_id_fk" FOREIGN KEY ("payee_id") REFERENCES "ledger"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."holds" ADD CONSTRAINT "holds_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "ledger"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."postings" ADD CONSTRAINT "postings_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "ledger"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."postings" ADD CONSTRAINT "postings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "ledger"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."postings" ADD CONSTRAINT "postings_counterparty_id_accounts_id_fk" FOREIGN KEY ("counterparty_id") REFERENCES "ledger"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_name_key" ON "ledger"."accounts" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_key_key" ON "ledger"."holds" USING btree ("hold_key");--> statement-breakpoint
CREATE INDEX "holds_trade_idx" ON "ledger"."holds" USING btree ("trade_id");--> statement-breakpoint
CREATE INDEX "holds_open_payer_idx" ON "ledger"."holds" USING btree ("payer_id") WHERE "ledger"."holds"."status" = 'HELD';--> statement-breakpoint
CREATE INDEX "postings_account_idx" ON "ledger"."postings" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "postings_transfer_idx" ON "ledger"."postings" USING btree ("transfer_id");