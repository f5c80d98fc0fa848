CREATE TABLE "trades"."hand_over_points" (
	"trade_id" uuid PRIMARY KEY NOT NULL,
	"shared_by" uuid NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"note" text,
	"shared_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hand_over_points_lat_check" CHECK ("trades"."hand_over_points"."lat" between -90 and 90),
	CONSTRAINT "hand_over_points_lon_check" CHECK ("trades"."hand_over_points"."lon" between -180 and 180)
);
--> statement-breakpoint
CREATE TABLE "trades"."trade_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trade_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"body" text NOT NULL,
	"client_key" text,
	"sent_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trades"."hand_over_points" ADD CONSTRAINT "hand_over_points_trade_id_trades_id_fk" FOREIGN KEY ("trade_id") REFERENCES "trades"."trades"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trades"."trade_messages" ADD CONSTRAINT "trade_messages_trade_id_trades_id_fk" FOREIGN KEY ("trade_id") REFERENCES "trades"."trades"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hand_over_points_shared_by_idx" ON "trades"."hand_over_points" USING btree ("shared_by");--> statement-breakpoint
CREATE INDEX "trade_messages_trade_idx" ON "trades"."trade_messages" USING btree ("trade_id","sent_at","id");--> statement-breakpoint
CREATE INDEX "trade_messages_author_idx" ON "trades"."trade_messages" USING btree ("author_id");--> statement-breakpoint
CREATE UNIQUE INDEX "trade_messages_client_key" ON "trades"."trade_messages" USING btree ("trade_id","author_id","client_key");