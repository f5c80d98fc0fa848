import { accepted, encodeCursor, InternalCallError, refusal, unavailable, type InternalRequester, type Outcome, type RateLimiter } from "@localex/common";
import type { EntriesService } from "../entries/entries.service.ts";
import { checkEntryFilter, type EntryFilter } from "../entries/entry-filter.ts";
import { startLedgerStatement } from "./media-client.ts";
import type { Job, LedgerStatementPage } from "./statement.types.ts";

/** Rows per page of `ledgerStatement`: the default, and the most one call answers. */
export const STATEMENT_PAGE_SIZE = 500;
export const MAX_STATEMENT_PAGE_SIZE = 2000;

/**
 * The range a statement covers: as asked, but never past the moment of asking (a statement is
 * of what has happened, so its rows and totals cannot change while its job writes them).
 */
export function statementRange(filter: EntryFilter, now: Date): EntryFilter & { to: Date } {
  let to = filter.to === null || filter.to.getTime() > now.getTime() ? now : filter.to;
  if (filter.from && to.getTime() < filter.from.getTime()) to = filter.from;
  return { ...filter, to };
}

/**
 * Statements (issue 22): the ledger decides what may be asked (range, kinds, how often); media
 * owns jobs, storage and signed links, so the CSV is written by a media job that reads the
 * entries back page by page through `ledgerStatement` (the way a data export gathers sections).
 */
export class StatementsService {
  constructor(
    private readonly entries: EntriesService,
    private readonly internal: InternalRequester,
    private readonly limits: RateLimiter,
  ) {}

  async request(userId: string, args: { from: Date | null; to: Date | null; kinds: string[] | null }, now = new Date()): Promise<Outcome<Job>> {
    const checked = checkEntryFilter(args.from, args.to, args.kinds);
    if (checked.problem) return refusal("INVALID_INPUT", checked.problem.message, checked.problem.field);
    await this.limits.consume("STATEMENT_PER_ACCOUNT", `account:${userId}`);
    const range = statementRange(checked.filter, now);
    try {
      const id = await startLedgerStatement(this.internal, { userId, from: range.from, to: range.to, kinds: range.kinds });
      return accepted({ id });
    } catch (e) {
      if (e instanceof InternalCallError && e.code === "MEMBER_DEPARTING") {
        return refusal("MEMBER_DEPARTING", "Your account is being deleted.");
      }
      throw unavailable("media", e);
    }
  }

  /** One page of the statement, oldest first, after the posting `afterSeq`. */
  async page(accountId: string, filter: EntryFilter, afterSeq: number | null, size: number): Promise<LedgerStatementPage> {
    const rows = await this.entries.statementPage(accountId, filter, afterSeq, size + 1);
    const page = rows.slice(0, size);
    return {
      rows: page.map((r) => ({
        at: r.createdAt,
        kind: r.kind,
        memo: r.memo,
        counterpartyId: r.counterpartyKind === "user" ? r.counterpartyId : null,
        amount: r.amount,
        balanceAfter: r.balanceAfter,
      })),
      nextCursor: rows.length > size ? encodeCursor([page.at(-1)!.seq]) : null,
      statementOf: { accountId, filter },
    };
  }
}
