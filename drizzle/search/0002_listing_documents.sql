CREATE TABLE "search"."listing_documents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"category_id" text NOT NULL,
	"category_slug" text NOT NULL,
	"condition" text NOT NULL,
	"status" text NOT NULL,
	"credit_price" integer,
	"lat" double precision,
	"lon" double precision,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"version" bigint NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, description), 'B')) STORED NOT NULL
);
--> statement-breakpoint
CREATE INDEX "listing_documents_document_idx" ON "search"."listing_documents" USING gin ("document") WHERE status = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "listing_documents_title_trgm_idx" ON "search"."listing_documents" USING gin ("title" gin_trgm_ops) WHERE status = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "listing_documents_location_idx" ON "search"."listing_documents" USING gist (point(lon, lat)) WHERE status = 'ACTIVE' and lat is not null;--> statement-breakpoint
CREATE INDEX "listing_documents_created_idx" ON "search"."listing_documents" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE status = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "listing_documents_indexed_at_idx" ON "search"."listing_documents" USING btree ("indexed_at");