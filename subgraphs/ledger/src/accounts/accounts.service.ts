import { retrying } from "../db/transaction.ts";
import { isUuid, type InternalRequester, type Sql } from "@localex/common";
import { userByHandle, userById } from "./identity-client.ts";

export interface AccountBalance {
  id: string;
  balance: number;
  held: number;
  /** Welcome credits not yet transferable (docs/ledger.md#welcome-credits). */
  welcomeLocked: number;
}

/** Longer than any handle identity takes (`@` and 20 characters, with room for spaces): not asked. */
const HANDLE_INPUT_MAX = 64;
/** Accounts are never deleted, so a process may remember which exist; bounded all the same. */
const KNOWN_LIMIT = 100_000;

export class AccountsService {
  private readonly known = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly internal: InternalRequester,
  ) {}

  async byIds(ids: readonly string[]): Promise<AccountBalance[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await retrying(
      () => this.sql<{ id: string; balance: string; held: string; welcomeLocked: string }[]>`
        select id, balance, held, welcome_locked as "welcomeLocked" from ledger.accounts where id in ${this.sql(valid)}`,
    );
    return rows.map((r) => ({ id: r.id, balance: Number(r.balance), held: Number(r.held), welcomeLocked: Number(r.welcomeLocked) }));
  }

  /** Creates a user's account if it does not exist yet (for a user identity vouches for). */
  async ensureUserAccount(userId: string): Promise<void> {
    if (this.known.has(userId)) return;
    await retrying(() => this.sql`insert into ledger.accounts (id, kind) values (${userId}, 'user') on conflict do nothing`);
    this.remember(userId);
  }

  /**
   * The member a public handle names, asked of identity (its `userByHandle`, which leaves departing
   * and deleted members out), or null. The ledger never reads identity's tables.
   */
  async idForHandle(handle: string): Promise<string | null> {
    if (handle.length === 0 || handle.length > HANDLE_INPUT_MAX) return null;
    return (await userByHandle(this.internal, handle))?.id ?? null;
  }

  /**
   * Whether credits can be sent to this user: they have an account, or identity knows them
   * (then their account is opened now). False for an unknown user.
   */
  async openForUser(userId: string): Promise<boolean> {
    if (!isUuid(userId)) return false;
    // Always asked of the database (one primary-key read), never of `known`: an account closed
    // by another ledger process must refuse credits here too.
    const [row] = await retrying(
      () => this.sql<{ closed: boolean }[]>`select closed_at is not null as closed from ledger.accounts where id = ${userId} and kind = 'user'`,
    );
    if (row?.closed) return false;
    if (!row) {
      const user = await userById(this.internal, userId);
      if (!user || user.deleted) return false;
      await retrying(() => this.sql`insert into ledger.accounts (id, kind) values (${userId}, 'user') on conflict do nothing`);
    }
    this.remember(userId);
    return true;
  }

  /**
   * The member completed a trade (`ledger:trade-completed`, trades vouches for them): their
   * welcome credits transfer freely from now on, and a welcome grant still to come is not locked.
   */
  async markTraded(userId: string): Promise<void> {
    await retrying(
      () => this.sql`
        insert into ledger.accounts (id, kind, traded_at) values (${userId}, 'user', now())
        on conflict (id) do update set traded_at = coalesce(ledger.accounts.traded_at, excluded.traded_at), welcome_locked = 0, updated_at = now()`,
    );
    this.remember(userId);
  }

  /** Closes a departing member's account (issue 12): it takes no more credits; its history stays. */
  async close(userId: string): Promise<void> {
    await retrying(
      () => this.sql`update ledger.accounts set closed_at = coalesce(closed_at, now()), updated_at = now() where id = ${userId} and kind = 'user'`,
    );
    this.known.delete(userId);
  }

  private remember(id: string): void {
    if (this.known.size >= KNOWN_LIMIT) this.known.clear();
    this.known.add(id);
  }
}
