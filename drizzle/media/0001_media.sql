CREATE TABLE "media"."jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'QUEUED' NOT NULL,
	"progress" double precision,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"error" text,
	"retryable" boolean DEFAULT true NOT NULL,
	"media_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "media"."media" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"listing_id" uuid,
	"position" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"stored_bytes" bigint DEFAULT 0 NOT NULL,
	"width" integer,
	"height" integer,
	"variants" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"staging_key" text,
	"upload_expires_at" timestamp (3) with time zone,
	"job_id" uuid,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_listing_photo_check" CHECK (("media"."media"."purpose" = 'LISTING_PHOTO') = ("media"."media"."listing_id" is not null)),
	CONSTRAINT "media_sizes_check" CHECK ("media"."media"."byte_size" >= 0 and "media"."media"."stored_bytes" >= 0)
);
--> statement-breakpoint
CREATE INDEX "jobs_media_idx" ON "media"."jobs" USING btree ("media_id");--> statement-breakpoint
CREATE INDEX "media_listing_idx" ON "media"."media" USING btree ("listing_id","position") WHERE "media"."media"."listing_id" is not null;--> statement-breakpoint
CREATE INDEX "media_owner_idx" ON "media"."media" USING btree ("owner_id","purpose","created_at");--> statement-breakpoint
CREATE INDEX "media_pending_idx" ON "media"."media" USING btree ("upload_expires_at") WHERE "media"."media"."status" = 'PENDING';