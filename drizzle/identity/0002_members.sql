CREATE TABLE "identity"."account_deletions" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"steps_done" text[] DEFAULT '{}'::text[] NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "identity"."verification_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"document_ids" uuid[] NOT NULL,
	"reason" text,
	"decided_by" uuid,
	"submitted_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"documents_deleted_at" timestamp (3) with time zone,
	CONSTRAINT "verification_requests_status_check" CHECK ("identity"."verification_requests"."status" in ('PENDING', 'APPROVED', 'REJECTED'))
);
--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "email_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Until now `verified` meant the email address was verified; it now means documents approved.
UPDATE "identity"."users" SET "email_verified" = "verified", "verified" = false;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "deletion_requested_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "deleted_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "identity"."account_deletions" ADD CONSTRAINT "account_deletions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity"."verification_requests" ADD CONSTRAINT "verification_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "verification_requests_one_pending" ON "identity"."verification_requests" USING btree ("user_id") WHERE "identity"."verification_requests"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "verification_requests_queue_idx" ON "identity"."verification_requests" USING btree ("status","submitted_at","id");