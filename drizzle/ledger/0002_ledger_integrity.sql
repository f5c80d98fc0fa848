-- The database itself keeps the books honest, whatever the code does.

-- Postings and transfers are never changed or removed; corrections are new transfers.
CREATE FUNCTION "ledger"."refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger.% is append-only: % is not allowed; post a correcting transfer instead', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "postings_append_only" BEFORE UPDATE OR DELETE ON "ledger"."postings"
  FOR EACH ROW EXECUTE FUNCTION "ledger"."refuse_change"();
--> statement-breakpoint
CREATE TRIGGER "postings_no_truncate" BEFORE TRUNCATE ON "ledger"."postings"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger"."refuse_change"();
--> statement-breakpoint
CREATE TRIGGER "transfers_append_only" BEFORE UPDATE OR DELETE ON "ledger"."transfers"
  FOR EACH ROW EXECUTE FUNCTION "ledger"."refuse_change"();
--> statement-breakpoint
CREATE TRIGGER "transfers_no_truncate" BEFORE TRUNCATE ON "ledger"."transfers"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger"."refuse_change"();
--> statement-breakpoint

-- Double entry: at commit, every transfer that gained postings must sum to zero.
CREATE FUNCTION "ledger"."check_transfer_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total bigint;
BEGIN
  SELECT sum(amount) INTO total FROM "ledger"."postings" WHERE transfer_id = NEW.transfer_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'transfer % is unbalanced: its postings sum to %', NEW.transfer_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "postings_balanced" AFTER INSERT ON "ledger"."postings"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "ledger"."check_transfer_balanced"();
--> statement-breakpoint

INSERT INTO "ledger"."accounts" ("id", "kind", "name") VALUES ('00000000-0000-0000-0000-000000000001', 'system', 'issuance');
