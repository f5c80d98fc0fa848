CREATE TABLE "trades"."feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trade_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"rating" integer NOT NULL,
	"comment" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_rating_check" CHECK ("trades"."feedback"."rating" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "trades"."trade_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "trades"."trade_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"trade_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"actor_id" uuid,
	"note" text,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trades"."trades" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"proposer_id" uuid NOT NULL,
	"recipient_id" uuid NOT NULL,
	"status" text DEFAULT 'PROPOSED' NOT NULL,
	"turn_user_id" uuid,
	"offered_listing_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"requested_listing_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"offered_credits" integer DEFAULT 0 NOT NULL,
	"requested_credits" integer DEFAULT 0 NOT NULL,
	"message" text,
	"propose_key" text NOT NULL,
	"propose_fingerprint" text NOT NULL,
	"accept_key" text,
	"accept_error" jsonb,
	"accept_attempt" integer DEFAULT 0 NOT NULL,
	"proposer_confirmed_at" timestamp (3) with time zone,
	"recipient_confirmed_at" timestamp (3) with time zone,
	"dispute_reason" text,
	"resolution" text,
	"saga" text,
	"saga_target" text,
	"saga_actor_id" uuid,
	"saga_owner" uuid,
	"saga_lease_until" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trades_status_check" CHECK ("trades"."trades"."status" in ('PROPOSED', 'COUNTERED', 'ACCEPTED', 'COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'DISPUTED', 'RESOLVED')),
	CONSTRAINT "trades_saga_check" CHECK ("trades"."trades"."saga" is null or "trades"."trades"."saga" in ('ACCEPT', 'UNDO_ACCEPT', 'SETTLE', 'RELEASE')),
	CONSTRAINT "trades_credits_check" CHECK ("trades"."trades"."offered_credits" >= 0 and "trades"."trades"."requested_credits" >= 0),
	CONSTRAINT "trades_parties_check" CHECK ("trades"."trades"."proposer_id" <> "trades"."trades"."recipient_id")
);
--> statement-breakpoint
ALTER TABLE "trades"."feedback" ADD CONSTRAINT "feedback_trade_id_trades_id_fk" FOREIGN KEY ("trade_id") REFERENCES "trades"."trades"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trades"."trade_events" ADD CONSTRAINT "trade_events_trade_id_trades_id_fk" FOREIGN KEY ("trade_id") REFERENCES "trades"."trades"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "feedback_once_per_party" ON "trades"."feedback" USING btree ("trade_id","author_id");--> statement-breakpoint
CREATE INDEX "feedback_subject_idx" ON "trades"."feedback" USING btree ("subject_id");--> statement-breakpoint
CREATE INDEX "trade_events_trade_idx" ON "trades"."trade_events" USING btree ("trade_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "trades_propose_key" ON "trades"."trades" USING btree ("proposer_id","propose_key");--> statement-breakpoint
CREATE INDEX "trades_proposer_idx" ON "trades"."trades" USING btree ("proposer_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "trades_recipient_idx" ON "trades"."trades" USING btree ("recipient_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "trades_saga_idx" ON "trades"."trades" USING btree ("saga_lease_until") WHERE "trades"."trades"."saga" is not null;--> statement-breakpoint
CREATE INDEX "trades_expiry_idx" ON "trades"."trades" USING btree ("expires_at") WHERE "trades"."trades"."status" in ('PROPOSED', 'COUNTERED');