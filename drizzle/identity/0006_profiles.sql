ALTER TABLE "identity"."users" ADD COLUMN "handle" text;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "bio" text;--> statement-breakpoint
ALTER TABLE "identity"."users" ADD COLUMN "area" text;--> statement-breakpoint
CREATE UNIQUE INDEX "users_handle_key" ON "identity"."users" USING btree ("handle");--> statement-breakpoint
ALTER TABLE "identity"."users" ADD CONSTRAINT "users_handle_check" CHECK ("identity"."users"."handle" ~ '^[a-z0-9_]{3,20}$');