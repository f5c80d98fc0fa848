ALTER TABLE "listings"."listings" ADD COLUMN "create_key" text;--> statement-breakpoint
ALTER TABLE "listings"."listings" ADD COLUMN "create_fingerprint" text;--> statement-breakpoint
CREATE UNIQUE INDEX "listings_create_key" ON "listings"."listings" USING btree ("owner_id","create_key");