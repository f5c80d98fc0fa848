import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CALLER_HEADER, serviceCaller, signCallerToken } from "@localex/common";
import { inject } from "vitest";
import { registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { TEST_CALLER_KEYS } from "../harness/secrets.ts";

export const ACCOUNT = /* GraphQL */ `{ me { id account { balance held available } } }`;
export const TRANSFER = /* GraphQL */ `
  mutation Transfer($input: TransferInput!, $key: String!) {
    transferCredits(input: $input, idempotencyKey: $key) {
      transfer { id kind amount memo from { id } to { id } createdAt }
      errors { code message field }
    }
  }
`;
export const GRANT = /* GraphQL */ `
  mutation Grant($userId: ID!, $amount: Int!, $memo: String!, $key: String!) {
    grantCredits(userId: $userId, amount: $amount, memo: $memo, idempotencyKey: $key) {
      transfer { id kind amount memo from { id } to { id } }
      errors { code message field }
    }
  }
`;
export const RECONCILIATION = /* GraphQL */ `
  { ledgerReconciliation { accountsChecked transfersUnbalanced differences { accountId field cached recomputed } } }
`;

export interface FieldError {
  code: string;
  message: string;
  field: string | null;
}

/** A transfer as TRANSFER selects it (GRANT selects the same, less `createdAt`). */
export interface Transfer {
  id: string;
  kind: string;
  amount: number;
  memo: string | null;
  from: { id: string } | null;
  to: { id: string } | null;
  createdAt: string;
}

export interface TransferPayload {
  transfer: Transfer | null;
  errors: FieldError[];
}

export type Transferred = { transferCredits: TransferPayload };
export type Granted = { grantCredits: { transfer: Omit<Transfer, "createdAt"> | null; errors: FieldError[] } };
export type Reconciled = {
  ledgerReconciliation: {
    accountsChecked: number;
    transfersUnbalanced: number;
    differences: { accountId: string; field: string; cached: number; recomputed: number }[];
  };
};

export interface Balance {
  balance: number;
  held: number;
  available: number;
}

export async function accountOf(user: TestUser): Promise<Balance> {
  const { me } = await user.client.data<{ me: { account: Balance } }>(ACCOUNT);
  return me.account;
}

/** The welcome grant runs as a job shortly after registration: poll until it has landed. */
export async function waitForWelcome(user: TestUser): Promise<Balance> {
  for (let i = 0; i < 200; i++) {
    const account = await accountOf(user);
    if (account.balance >= 100) return account;
    await sleep(50);
  }
  throw new Error(`welcome grant for ${user.id} did not arrive`);
}

/** A fresh user whose welcome credits (100) have arrived. */
export async function fundedUser(): Promise<TestUser> {
  const user = await registerUser();
  await waitForWelcome(user);
  return user;
}

/** The admin (ADMIN_EMAILS in the harness), signed in the harness's one way. */
export const adminClient = signInAdmin;

/** Issues `amount` credits to the member, as an admin does: credits they may send on (unlike welcome credits). */
export async function grantTo(user: Pick<TestUser, "id">, amount: number): Promise<void> {
  const admin = await adminClient();
  const { grantCredits } = await admin.data<Granted>(GRANT, { userId: user.id, amount, memo: "test credits", key: randomUUID() });
  if (grantCredits.errors.length > 0) throw new Error(`grantCredits: ${JSON.stringify(grantCredits.errors)}`);
}

/**
 * A fresh member holding `amount` (100) credits an admin granted, all of which they may send:
 * welcome credits are spent in trades but not sent on until the member has completed a trade
 * (docs/ledger.md#welcome-credits). Unverified by default, so no welcome grant adds to the balance.
 */
export async function grantedUser(amount = 100, options: { verify?: boolean } = {}): Promise<TestUser> {
  const user = await registerUser({ verify: options.verify ?? false });
  await grantTo(user, amount);
  return user;
}

export async function transfer(from: TestUser, toUserId: string, amount: number, key: string = randomUUID(), memo?: string): Promise<TransferPayload> {
  const res = await from.client.data<Transferred>(TRANSFER, { input: { toUserId, amount, memo }, key });
  return res.transferCredits;
}

/** Calls the ledger subgraph directly as the trades service would (internal fields). */
export async function asService<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const token = await signCallerToken(TEST_CALLER_KEYS, serviceCaller("trades"), { signer: "trades", audience: "ledger" });
  const response = await fetch(inject("subgraphUrls").ledger!, {
    method: "POST",
    headers: { "content-type": "application/json", [CALLER_HEADER]: token },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`ledger errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export const PLACE_HOLD = /* GraphQL */ `
  mutation($holdKey: String!, $tradeId: ID!, $payerId: ID!, $payeeId: ID!, $amount: Int!) {
    placeHold(holdKey: $holdKey, tradeId: $tradeId, payerId: $payerId, payeeId: $payeeId, amount: $amount) { ok code status }
  }
`;
export const SETTLE_HOLD = /* GraphQL */ `mutation($holdKey: String!) { settleHold(holdKey: $holdKey) { ok code status } }`;
export const RELEASE_HOLD = /* GraphQL */ `mutation($holdKey: String!) { releaseHold(holdKey: $holdKey) { ok code status } }`;

export interface HoldOutcome {
  ok: boolean;
  code: string | null;
  status: string | null;
}

export async function placeHold(input: { holdKey: string; tradeId: string; payerId: string; payeeId: string; amount: number }) {
  return (await asService<{ placeHold: HoldOutcome }>(PLACE_HOLD, input)).placeHold;
}
export async function settleHold(holdKey: string) {
  return (await asService<{ settleHold: HoldOutcome }>(SETTLE_HOLD, { holdKey })).settleHold;
}
export async function releaseHold(holdKey: string) {
  return (await asService<{ releaseHold: HoldOutcome }>(RELEASE_HOLD, { holdKey })).releaseHold;
}
