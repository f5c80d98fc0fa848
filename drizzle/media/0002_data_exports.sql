ALTER TABLE "media"."jobs" ADD COLUMN "result_key" text;--> statement-breakpoint
ALTER TABLE "media"."jobs" ADD COLUMN "result_expires_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "jobs_owner_idx" ON "media"."jobs" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "jobs_result_expiry_idx" ON "media"."jobs" USING btree ("result_expires_at") WHERE "media"."jobs"."result_key" is not null;