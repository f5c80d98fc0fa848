ALTER TABLE "trades"."trades" ADD COLUMN "disputed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "disputed_by" uuid;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "dispute_assignee_id" uuid;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "dispute_claimed_until" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "resolved_by" uuid;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "resolution_reason" text;--> statement-breakpoint
CREATE INDEX "trades_disputes_idx" ON "trades"."trades" USING btree ("status","disputed_at","id") WHERE "trades"."trades"."disputed_at" is not null;--> statement-breakpoint
-- Disputes opened before this column: when and by whom, from their latest DISPUTED event.
UPDATE "trades"."trades" AS t SET "disputed_at" = e."at", "disputed_by" = e."actor_id"
FROM (SELECT DISTINCT ON ("trade_id") "trade_id", "at", "actor_id" FROM "trades"."trade_events" WHERE "kind" = 'DISPUTED' ORDER BY "trade_id", "id" DESC) AS e
WHERE e."trade_id" = t."id";
