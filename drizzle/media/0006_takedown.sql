ALTER TABLE "media"."media" ADD COLUMN "taken_down_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "media"."media" ADD COLUMN "takedown_reason" text;