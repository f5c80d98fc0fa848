ALTER TABLE "ledger"."accounts" ADD COLUMN "welcome_locked" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger"."accounts" ADD COLUMN "traded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ledger"."accounts" ADD CONSTRAINT "accounts_welcome_locked_check" CHECK ("ledger"."accounts"."welcome_locked" >= 0 and ("ledger"."accounts"."kind" = 'system' or "ledger"."accounts"."welcome_locked" <= "ledger"."accounts"."balance"));--> statement-breakpoint
-- Welcome credits (docs/ledger.md#welcome-credits): the recipient of a welcome grant that has not
-- completed a trade gets its amount locked too; a payer's locked part never exceeds what is left
-- (credits that leave in a settlement are welcome credits first). Otherwise as in 0003.
CREATE OR REPLACE FUNCTION "ledger"."post_transfer"(
  p_transfer_id uuid, p_kind text, p_memo text, p_initiator text,
  p_from uuid, p_to uuid, p_amount bigint, p_release_held bigint, p_created_at timestamptz
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  from_balance bigint;
  to_balance bigint;
BEGIN
  FOR acc IN SELECT id, balance FROM "ledger"."accounts" WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE LOOP
    IF acc.id = p_from THEN from_balance := acc.balance; ELSE to_balance := acc.balance; END IF;
  END LOOP;
  IF from_balance IS NULL OR to_balance IS NULL THEN
    RAISE EXCEPTION 'post_transfer: account % or % does not exist', p_from, p_to USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO "ledger"."transfers" (id, kind, memo, initiator, created_at)
    VALUES (p_transfer_id, p_kind, p_memo, p_initiator, p_created_at);
  INSERT INTO "ledger"."postings" (transfer_id, account_id, counterparty_id, amount, balance_after, created_at)
    VALUES (p_transfer_id, p_from, p_to, -p_amount, from_balance - p_amount, p_created_at),
           (p_transfer_id, p_to, p_from, p_amount, to_balance + p_amount, p_created_at);
  UPDATE "ledger"."accounts" SET balance = balance - p_amount, held = held - p_release_held,
      welcome_locked = least(welcome_locked, greatest(balance - p_amount, 0)), updated_at = p_created_at
    WHERE id = p_from;
  UPDATE "ledger"."accounts" SET balance = balance + p_amount,
      welcome_locked = welcome_locked + CASE WHEN p_kind = 'welcome' AND traded_at IS NULL THEN p_amount ELSE 0 END,
      updated_at = p_created_at
    WHERE id = p_to;
END;
$$;
--> statement-breakpoint
-- move_credits takes the refusal for welcome credits (`p_locked_refusal`; NULL: the payer may
-- spend them, as no caller does today): a user payer sends at most balance - held and at most
-- balance - welcome_locked. Otherwise as in 0004.
DROP FUNCTION "ledger"."move_credits"(text, text, text, uuid, text, text, text, uuid, uuid, bigint, timestamptz, jsonb, jsonb, jsonb);
--> statement-breakpoint
CREATE FUNCTION "ledger"."move_credits"(
  p_scope text, p_key text, p_hash text,
  p_transfer_id uuid, p_kind text, p_memo text, p_initiator text,
  p_from uuid, p_to uuid, p_amount bigint, p_created_at timestamptz,
  p_success jsonb, p_refusal jsonb, p_notify jsonb, p_locked_refusal jsonb
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  claimed integer;
  stored record;
  payer record;
  outcome jsonb;
BEGIN
  -- A concurrent claim of the same key waits here until the first transaction ends.
  INSERT INTO "ledger"."idempotency_keys" (scope, key, request_hash) VALUES (p_scope, p_key, p_hash)
    ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS claimed = ROW_COUNT;
  IF claimed = 0 THEN
    SELECT request_hash, result INTO stored FROM "ledger"."idempotency_keys" WHERE scope = p_scope AND key = p_key;
    IF stored.request_hash <> p_hash THEN
      RETURN jsonb_build_object('state', 'conflict');
    END IF;
    RETURN jsonb_build_object('state', 'replay', 'result', stored.result);
  END IF;

  -- Lock both rows in id order before reading the payer's balance.
  PERFORM 1 FROM "ledger"."accounts" WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
  SELECT kind, balance, held, welcome_locked INTO payer FROM "ledger"."accounts" WHERE id = p_from;
  IF NOT FOUND OR (payer.kind = 'user' AND payer.balance - payer.held < p_amount) THEN
    outcome := p_refusal;
  ELSIF p_locked_refusal IS NOT NULL AND payer.kind = 'user' AND payer.balance - payer.welcome_locked < p_amount THEN
    outcome := p_locked_refusal;
  ELSE
    PERFORM "ledger"."post_transfer"(p_transfer_id, p_kind, p_memo, p_initiator, p_from, p_to, p_amount, 0, p_created_at);
    IF p_notify IS NOT NULL THEN
      PERFORM graphile_worker.add_job('identity:notify', p_notify::json, max_attempts => 25);
    END IF;
    outcome := p_success;
  END IF;
  UPDATE "ledger"."idempotency_keys" SET result = outcome WHERE scope = p_scope AND key = p_key;
  RETURN jsonb_build_object('state', 'done', 'result', outcome);
END;
$$;
