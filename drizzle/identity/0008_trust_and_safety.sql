CREATE TABLE "identity"."reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reporter_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"target_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"listing_title" text,
	"reason" text NOT NULL,
	"details" text,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"outcome" text,
	"note" text,
	"resolved_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp (3) with time zone,
	CONSTRAINT "reports_subject_check" CHECK ("identity"."reports"."subject" in ('LISTING', 'MEMBER')),
	CONSTRAINT "reports_status_check" CHECK ("identity"."reports"."status" in ('OPEN', 'RESOLVED')),
	CONSTRAINT "reports_reason_check" CHECK ("identity"."reports"."reason" in ('PROHIBITED_ITEM', 'SCAM', 'OFFENSIVE', 'COUNTERFEIT', 'OTHER'))
);
--> statement-breakpoint
CREATE TABLE "identity"."suspensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"until" timestamp (3) with time zone,
	"suspended_by" uuid NOT NULL,
	"report_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"lifted_at" timestamp (3) with time zone,
	"lifted_by" uuid
);
--> statement-breakpoint
ALTER TABLE "identity"."reports" ADD CONSTRAINT "reports_reporter_id_users_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "identity"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity"."suspensions" ADD CONSTRAINT "suspensions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_one_open" ON "identity"."reports" USING btree ("reporter_id","subject","target_id") WHERE "identity"."reports"."status" = 'OPEN';--> statement-breakpoint
CREATE INDEX "reports_queue_idx" ON "identity"."reports" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "suspensions_one_current" ON "identity"."suspensions" USING btree ("user_id") WHERE "identity"."suspensions"."lifted_at" is null;--> statement-breakpoint
CREATE INDEX "suspensions_user_idx" ON "identity"."suspensions" USING btree ("user_id","created_at");