ALTER TABLE "identity"."notifications" ADD COLUMN "media_id" uuid;--> statement-breakpoint
ALTER TABLE "identity"."notifications" ADD COLUMN "job_id" uuid;--> statement-breakpoint
ALTER TABLE "identity"."notifications" ADD COLUMN "transfer_id" uuid;--> statement-breakpoint
ALTER TABLE "identity"."notifications" ADD COLUMN "verification_request_id" uuid;