-- The admin audit log (docs/audit.md): one append-only table shared by every subgraph, written in
-- the transaction of each admin act (recordAdminAct, packages/common/src/admin-audit.ts).
CREATE SCHEMA IF NOT EXISTS "audit";--> statement-breakpoint
CREATE TABLE "audit"."admin_acts" (
	"seq" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	"id" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
	"at" timestamp (3) with time zone NOT NULL DEFAULT clock_timestamp(),
	"admin_id" uuid,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"member_ids" uuid[] NOT NULL DEFAULT '{}',
	"reason" text,
	"details" jsonb NOT NULL DEFAULT '{}'::jsonb,
	CONSTRAINT "admin_acts_actor" CHECK ("admin_id" IS NOT NULL OR "actor" LIKE 'operator%'),
	CONSTRAINT "admin_acts_details" CHECK (jsonb_typeof("details") = 'object')
);--> statement-breakpoint
CREATE INDEX "admin_acts_admin_idx" ON "audit"."admin_acts" USING btree ("admin_id", "seq");--> statement-breakpoint
CREATE INDEX "admin_acts_action_idx" ON "audit"."admin_acts" USING btree ("action", "seq");--> statement-breakpoint
CREATE INDEX "admin_acts_at_idx" ON "audit"."admin_acts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "admin_acts_members_idx" ON "audit"."admin_acts" USING gin ("member_ids");--> statement-breakpoint
-- Append-only in PostgreSQL itself: whatever role the application connects as (even a superuser,
-- which privileges do not bind), an UPDATE, DELETE or TRUNCATE is refused by these triggers.
-- Only the table's owner can drop or disable them, which is why production runs the graph as a
-- role that does not own it (docs/audit.md, "Running with an application role").
CREATE FUNCTION "audit"."refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit.admin_acts is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "admin_acts_append_only" BEFORE UPDATE OR DELETE ON "audit"."admin_acts" FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_change"();--> statement-breakpoint
CREATE TRIGGER "admin_acts_no_truncate" BEFORE TRUNCATE ON "audit"."admin_acts" FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_change"();--> statement-breakpoint
-- And by privileges: nobody is granted UPDATE, DELETE or TRUNCATE (the owner gives its own up too;
-- an operator grants an application role SELECT and INSERT only).
REVOKE ALL ON "audit"."admin_acts" FROM PUBLIC;--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON "audit"."admin_acts" FROM CURRENT_USER;
