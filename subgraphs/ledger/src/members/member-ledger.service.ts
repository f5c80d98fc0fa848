import type { MemberRecordSection, Sql } from "@localex/common";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { EntriesService } from "../entries/entries.service.ts";

/** What identity and media ask of the ledger about one member (issue 12). */
export class MemberLedgerService {
  constructor(
    private readonly sql: Sql,
    private readonly accounts: AccountsService,
    private readonly entries: EntriesService,
  ) {}

  /** A departing member's account stops taking credits; every posting stays (a ledger is never rewritten). */
  close(userId: string): Promise<void> {
    return this.accounts.close(userId);
  }

  async exportSection(userId: string): Promise<MemberRecordSection> {
    const [account] = await this.sql<{ balance: string; held: string; welcomeLocked: string; tradedAt: Date | null; createdAt: Date }[]>`
      select balance, held, welcome_locked as "welcomeLocked", traded_at as "tradedAt", created_at as "createdAt"
      from ledger.accounts where id = ${userId} and kind = 'user'`;
    const entries = await this.entries.all(userId);
    return {
      name: "ledger",
      about: "Your credit account and every posting to it, oldest first.",
      fields: {
        "account.balance": "Credits on the account.",
        "account.held": "Credits held in escrow for accepted trades.",
        "account.welcomeCreditsLocked": "Welcome credits you can spend in trades but not yet send to another member.",
        "account.firstTradeCompletedAt": "When you first completed a trade (from then on welcome credits can be sent), or null.",
        "entries[].transferId": "The transfer the posting belongs to (each transfer has a posting on both sides).",
        "entries[].kind": "What moved the credits: a transfer, a grant, a trade's settlement.",
        "entries[].amount": "Credits in (positive) or out (negative).",
        "entries[].balanceAfter": "The balance right after it.",
        "entries[].memo": "The note given with it.",
        "entries[].counterpartyId": "The member on the other side (null for the community's own accounts).",
        "entries[].at": "When it was posted.",
      },
      records: {
        account: account
          ? {
              balance: Number(account.balance),
              held: Number(account.held),
              welcomeCreditsLocked: Number(account.welcomeLocked),
              firstTradeCompletedAt: account.tradedAt?.toISOString() ?? null,
              openedAt: account.createdAt.toISOString(),
            }
          : null,
        entries: entries.map((e) => ({
          transferId: e.transferId,
          kind: e.kind,
          amount: e.amount,
          balanceAfter: e.balanceAfter,
          memo: e.memo,
          counterpartyId: e.counterpartyKind === "user" ? e.counterpartyId : null,
          at: e.createdAt.toISOString(),
        })),
      },
    };
  }
}
