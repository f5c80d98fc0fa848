-- members(query:) matches handles and display names by prefix (btree, text_pattern_ops) and by
-- trigram similarity (GIN, without a pending list: lookups never read one). pg_trgm may already be
-- there (search's migration 0001 creates it in the same database), but identity does not count on
-- another subgraph's migrations having run: trusted since PG 13, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "users_handle_prefix_idx" ON "identity"."users" USING btree ("handle" text_pattern_ops) WHERE deletion_requested_at is null;--> statement-breakpoint
CREATE INDEX "users_display_name_prefix_idx" ON "identity"."users" USING btree (lower("display_name") text_pattern_ops) WHERE deletion_requested_at is null;--> statement-breakpoint
CREATE INDEX "users_handle_trgm_idx" ON "identity"."users" USING gin ("handle" gin_trgm_ops) WITH (fastupdate=false) WHERE deletion_requested_at is null;--> statement-breakpoint
CREATE INDEX "users_display_name_trgm_idx" ON "identity"."users" USING gin (lower("display_name") gin_trgm_ops) WITH (fastupdate=false) WHERE deletion_requested_at is null;