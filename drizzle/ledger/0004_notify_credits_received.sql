-- move_credits also tells the recipient (identity's inbox): when the transfer is posted, and only
-- then, it enqueues the `identity:notify` job it is given, in the same transaction. The job's
-- payload is built and checked by the service (JOB_PAYLOADS); NULL means nobody is told.
DROP FUNCTION "ledger"."move_credits"(text, text, text, uuid, text, text, text, uuid, uuid, bigint, timestamptz, jsonb, jsonb);
--> statement-breakpoint
CREATE FUNCTION "ledger"."move_credits"(
  p_scope text, p_key text, p_hash text,
  p_transfer_id uuid, p_kind text, p_memo text, p_initiator text,
  p_from uuid, p_to uuid, p_amount bigint, p_created_at timestamptz,
  p_success jsonb, p_refusal jsonb, p_notify jsonb
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
  SELECT kind, balance, held INTO payer FROM "ledger"."accounts" WHERE id = p_from;
  IF NOT FOUND OR (payer.kind = 'user' AND payer.balance - payer.held < p_amount) THEN
    outcome := p_refusal;
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
