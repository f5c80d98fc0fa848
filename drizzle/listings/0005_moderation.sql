CREATE TABLE "listings"."suspended_members" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"suspended_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD COLUMN "taken_down_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD COLUMN "taken_down_reason" text;--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD COLUMN "taken_down_report_id" uuid;--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD COLUMN "owner_suspended_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "listings_owner_suspended_idx" ON "listings"."listings" USING btree ("owner_id") WHERE "listings"."listings"."owner_suspended_at" is not null;--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD CONSTRAINT "listings_taken_down_check" CHECK (("listings"."listings"."taken_down_at" is null) = ("listings"."listings"."taken_down_reason" is null));