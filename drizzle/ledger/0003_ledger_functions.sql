-- The money path in one round trip: the service calls these as single statements, so a
-- transfer is one transaction with no client round trips while its account rows are locked.

-- Writes one transfer as two postings (with the running balance after each) and updates the
-- cached balances. Locks both accounts in id order, the one order every transaction uses.
-- `p_release_held` is the part of the payer's held credits the transfer consumes (a settled hold).
CREATE FUNCTION "ledger"."post_transfer"(
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
  UPDATE "ledger"."accounts" SET balance = balance - p_amount, held = held - p_release_held, updated_at = p_created_at
    WHERE id = p_from;
  UPDATE "ledger"."accounts" SET balance = balance + p_amount, updated_at = p_created_at WHERE id = p_to;
END;
$$;
--> statement-breakpoint

-- An idempotent transfer: claims (scope, key); a replay returns the stored result, a key reused
-- with another request hash returns 'conflict'. Otherwise checks the payer's available credits
-- under lock, posts the transfer, and stores `p_success` or `p_refusal` as the key's result.
-- Returns { state: 'done' | 'replay' | 'conflict', result }.
CREATE FUNCTION "ledger"."move_credits"(
  p_scope text, p_key text, p_hash text,
  p_transfer_id uuid, p_kind text, p_memo text, p_initiator text,
  p_from uuid, p_to uuid, p_amount bigint, p_created_at timestamptz,
  p_success jsonb, p_refusal jsonb
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
    outcome := p_success;
  END IF;
  UPDATE "ledger"."idempotency_keys" SET result = outcome WHERE scope = p_scope AND key = p_key;
  RETURN jsonb_build_object('state', 'done', 'result', outcome);
END;
$$;
