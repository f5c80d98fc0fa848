import { describe, expect, it } from "vitest";
import { accepted, refusal } from "@localex/common";
import { asHoldOutcome, fromHoldOutcome, type HoldOutcomeJson } from "../../subgraphs/ledger/src/holds/hold-result.ts";
import { fromStored, toStored, type StoredTransferResult } from "../../subgraphs/ledger/src/transfers/stored-result.ts";

// `ledger.idempotency_keys.result` rows outlive the code that wrote them: the JSON written before
// services answered Outcomes (issue 21) must replay as it did, and new rows must be written the same way.
describe("hold results as stored", () => {
  const written: string[] = [
    '{"ok":true,"code":null,"status":"HELD"}',
    '{"ok":true,"code":null,"status":"RELEASED"}',
    '{"ok":false,"code":"INSUFFICIENT_FUNDS","status":null}',
    '{"ok":false,"code":"HOLD_ALREADY_RELEASED","status":"RELEASED"}',
    '{"ok":false,"code":"HOLD_ALREADY_SETTLED","status":"SETTLED"}',
    '{"ok":false,"code":"HOLD_NOT_FOUND","status":null}',
    '{"ok":false,"code":"IDEMPOTENCY_CONFLICT","status":null}',
  ];

  it.each(written)("replays %s as trades read it before, and stores it the same way", (json) => {
    const outcome = fromHoldOutcome(JSON.parse(json) as HoldOutcomeJson);
    expect(JSON.stringify(asHoldOutcome(outcome))).toBe(json);
  });

  it("reads an accepted status as accepted, and a refusal with its code", () => {
    expect(fromHoldOutcome({ ok: true, code: null, status: "SETTLED" })).toEqual(accepted("SETTLED"));
    expect(fromHoldOutcome({ ok: false, code: "INSUFFICIENT_FUNDS", status: null })).toMatchObject({ ok: false, code: "INSUFFICIENT_FUNDS" });
  });
});

describe("transfer results as stored", () => {
  const transfer = {
    id: "6f1c2d7e-0000-4000-8000-000000000001",
    kind: "transfer" as const,
    amount: 5,
    memo: null,
    fromUserId: "6f1c2d7e-0000-4000-8000-000000000002",
    toUserId: "6f1c2d7e-0000-4000-8000-000000000003",
    createdAt: "2026-12-01T10:00:00.000Z",
  };
  const written: string[] = [
    JSON.stringify({ ok: true, transfer }),
    '{"ok":false,"code":"INSUFFICIENT_FUNDS","message":"You do not have enough available credits.","field":"input.amount"}',
    '{"ok":false,"code":"WELCOME_CREDITS_NOT_TRANSFERABLE","message":"Welcome credits can be spent in trades, but sent to another member only once you have completed a trade.","field":"input.amount"}',
  ];

  it.each(written)("replays %s and stores it the same way", (json) => {
    expect(JSON.stringify(toStored(fromStored(JSON.parse(json) as StoredTransferResult)))).toBe(json);
  });

  it("reads the stored transfer as the accepted value, and a refusal with its code, message and field", () => {
    expect(fromStored({ ok: true, transfer })).toEqual(accepted(transfer));
    expect(fromStored({ ok: false, code: "INSUFFICIENT_FUNDS", message: "No.", field: "amount" })).toEqual(refusal("INSUFFICIENT_FUNDS", "No.", "amount"));
  });
});
