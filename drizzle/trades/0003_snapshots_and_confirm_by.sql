ALTER TABLE "trades"."trades" ADD COLUMN "listing_snapshot" jsonb;--> statement-breakpoint
ALTER TABLE "trades"."trades" ADD COLUMN "confirm_by" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "trades_confirm_by_idx" ON "trades"."trades" USING btree ("confirm_by") WHERE "trades"."trades"."status" = 'ACCEPTED';--> statement-breakpoint
-- Trades accepted before the deadline existed get one from their last change (the default 14 days).
UPDATE "trades"."trades" SET "confirm_by" = "updated_at" + interval '14 days' WHERE "status" = 'ACCEPTED' AND "confirm_by" IS NULL;
