CREATE TABLE "search"."similar_listings" (
	"listing_id" uuid PRIMARY KEY NOT NULL,
	"similar_ids" uuid[] NOT NULL,
	"scores" real[] NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search"."similar_listings" ADD CONSTRAINT "similar_listings_listing_id_listing_documents_id_fk" FOREIGN KEY ("listing_id") REFERENCES "search"."listing_documents"("id") ON DELETE cascade ON UPDATE no action;