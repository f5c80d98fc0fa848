CREATE TABLE "listings"."categories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"allowed_attributes" text[] DEFAULT '{}'::text[] NOT NULL,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listings"."listings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"category_id" uuid NOT NULL,
	"condition" text NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"credit_price" integer,
	"lat" double precision,
	"lon" double precision,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"trade_id" uuid,
	"version" bigint DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "listings_status_check" CHECK ("listings"."listings"."status" in ('DRAFT', 'ACTIVE', 'RESERVED', 'TRADED', 'ARCHIVED')),
	CONSTRAINT "listings_condition_check" CHECK ("listings"."listings"."condition" in ('NEW', 'LIKE_NEW', 'GOOD', 'FAIR', 'POOR')),
	CONSTRAINT "listings_credit_price_check" CHECK ("listings"."listings"."credit_price" is null or "listings"."listings"."credit_price" >= 0),
	CONSTRAINT "listings_location_check" CHECK (("listings"."listings"."lat" is null) = ("listings"."listings"."lon" is null) and ("listings"."listings"."lat" is null or ("listings"."listings"."lat" between -90 and 90 and "listings"."listings"."lon" between -180 and 180))),
	CONSTRAINT "listings_trade_check" CHECK (("listings"."listings"."status" in ('RESERVED', 'TRADED')) = ("listings"."listings"."trade_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD CONSTRAINT "listings_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "listings"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "categories_slug_key" ON "listings"."categories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "listings_owner_created_idx" ON "listings"."listings" USING btree ("owner_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "listings_status_created_idx" ON "listings"."listings" USING btree ("status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "listings_trade_idx" ON "listings"."listings" USING btree ("trade_id") WHERE "listings"."listings"."trade_id" is not null;