CREATE TABLE "listings"."recall_matches" (
	"listing_id" uuid NOT NULL,
	"recall_number" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"recall_date" date,
	"matched_on" text NOT NULL,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"resolved_by" uuid,
	"resolved_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recall_matches_listing_id_recall_number_pk" PRIMARY KEY("listing_id","recall_number"),
	CONSTRAINT "recall_matches_status_check" CHECK ("listings"."recall_matches"."status" in ('OPEN', 'CONFIRMED', 'CLEARED')),
	CONSTRAINT "recall_matches_resolved_check" CHECK (("listings"."recall_matches"."status" = 'OPEN') = ("listings"."recall_matches"."resolved_at" is null))
);
--> statement-breakpoint
CREATE TABLE "listings"."recalls" (
	"recall_number" text PRIMARY KEY NOT NULL,
	"recall_id" integer,
	"title" text NOT NULL,
	"url" text,
	"recall_date" date,
	"products" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"models" text[] DEFAULT '{}'::text[] NOT NULL,
	"name_tokens" text[] DEFAULT '{}'::text[] NOT NULL,
	"fetched_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "listings"."recall_matches" ADD CONSTRAINT "recall_matches_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "listings"."listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recalls_models_idx" ON "listings"."recalls" USING gin ("models");--> statement-breakpoint
CREATE INDEX "recalls_name_tokens_idx" ON "listings"."recalls" USING gin ("name_tokens");