import { retrying } from "../db/transaction.ts";
import { isUuid, type InternalClient, type Sql } from "@localex/common";

export interface AccountBalance {
  id: string;
  balance: number;
  held: number;
}

const USER_EXISTS = /* GraphQL */ `query LedgerUserExists($id: ID!) { user(id: $id) { id } }`;
/** Accounts are never deleted, so a process may remember which exist; bounded all the same. */
const KNOWN_LIMIT = 100_000;

export class AccountsService {
  private readonly known = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly internal: InternalClient,
  ) {}

  async byIds(ids: readonly string[]): Promise<AccountBalance[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await retrying(
      () => this.sql<{ id: string; balance: string; held: string }[]>`
        select id, balance, held from ledger.accounts where id in ${this.sql(valid)}`,
    );
    return rows.map((r) => ({ id: r.id, balance: Number(r.balance), held: Number(r.held) }));
  }

  /** Creates a user's account if it does not exist yet (for a user identity vouches for). */
  async ensureUserAccount(userId: string): Promise<void> {
    if (this.known.has(userId)) return;
    await retrying(() => this.sql`insert into ledger.accounts (id, kind) values (${userId}, 'user') on conflict do nothing`);
    this.remember(userId);
  }

  /**
   * Whether credits can be sent to this user: they have an account, or identity knows them
   * (then their account is opened now). False for an unknown user.
   */
  async openForUser(userId: string): Promise<boolean> {
    if (!isUuid(userId)) return false;
    if (this.known.has(userId)) return true;
    const [row] = await retrying(() => this.sql`select 1 from ledger.accounts where id = ${userId} and kind = 'user'`);
    if (!row) {
      const { user } = await this.internal.request<{ user: { id: string } | null }>("identity", USER_EXISTS, { id: userId });
      if (!user) return false;
      await retrying(() => this.sql`insert into ledger.accounts (id, kind) values (${userId}, 'user') on conflict do nothing`);
    }
    this.remember(userId);
    return true;
  }

  private remember(id: string): void {
    if (this.known.size >= KNOWN_LIMIT) this.known.clear();
    this.known.add(id);
  }
}
