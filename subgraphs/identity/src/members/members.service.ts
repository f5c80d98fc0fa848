import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { badUserInput, decodeCursor, isUuid, textProblem, toConnection, type Connection, type Database } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";

/** The longest query taken: longer than any handle or display name (60) needs. */
export const MEMBER_QUERY_MAX = 60;
/** Fuzzy (trigram) matching starts at this many characters; shorter queries match prefixes only. */
const FUZZY_MIN = 3;
/** Similar members are looked for only while fewer than this many match by prefix. */
export const FUZZY_BELOW = 50;

/**
 * How a member matches, best first: 0 the handle exactly, 1 a handle starting with the query,
 * 2 a display name or one of its words starting with it, 3 similar (pg_trgm) to the handle or
 * to a word of the display name, looked for only while fewer than FUZZY_BELOW match by prefix.
 * Within a rank, the more similar first, then by id.
 */
type Rank = 0 | 1 | 2 | 3;
interface Match {
  user: UserRow;
  rank: Rank;
  score: number;
}

const COLUMNS = Object.entries(getTableColumns(users));
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * members(query:): finding members by handle or display name, never by email (no address is
 * matched or returned here; User.email keeps its own rule). Departing and deleted members are
 * left out, and suspended ones but for admins. One search statement per page, whatever its size (in a transaction with its planner
 * settings: begin, settings, search, commit, pipelined): the matches, their count and the page's
 * rows with every column (the User fields resolve from them), on the indexes of migration 0007.
 */
export class MembersService {
  constructor(private readonly db: Database<typeof schema>) {}

  /** `includeSuspended`: for admins; members never find a suspended member (issue 23). */
  async find(query: string, first: number, after: string | null, includeSuspended = false): Promise<Connection<UserRow>> {
    const text = query.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
    const problem = textProblem(text, { label: "query", max: MEMBER_QUERY_MAX, min: 1 });
    if (problem) throw badUserInput(problem, "query");
    const cursor = decodeMatchCursor(after);
    const bare = text.replace(/^@/, "");
    const handle = /^[a-z0-9_]+$/.test(bare) ? bare : null;
    const name = text.startsWith("@") ? bare : text;
    const fuzzy = name.length >= FUZZY_MIN;

    const namePrefix = `${escapeLike(name)}%`;
    const wordPrefix = `% ${escapeLike(name)}%`;
    const handlePrefix = handle ? `${escapeLike(handle)}%` : null;
    const dn = sql`lower(u.display_name)`;
    // One branch per way of matching, each on an index of its own (a single `where … or …` was
    // planned as a sequential scan computing trigrams for every member: 0.7 s at 100 000), each
    // with the whole row, so the page needs no join back to users. Similar ones (typos) are the
    // fallback: looked for only while fewer than FUZZY_BELOW match by prefix (a one-time filter:
    // their scans do not run otherwise).
    const prefixes: SQL[] = [sql`${dn} like ${namePrefix}`, sql`${dn} like ${wordPrefix}`];
    if (handlePrefix) prefixes.push(sql`u.handle like ${handlePrefix}`);
    const similar: SQL[] = [];
    if (fuzzy) similar.push(sql`${name} <% ${dn}`);
    if (fuzzy && handle) similar.push(sql`u.handle % ${handle}`);
    // A suspension in force (suspensions/suspensions.store.ts): lifted_at null, and no end or one still ahead.
    const visible = includeSuspended
      ? sql``
      : sql` and not exists (select 1 from identity.suspensions s where s.user_id = u.id and s.lifted_at is null and (s.until is null or s.until > now()))`;
    const branch = (where: SQL) => sql`select u.* from identity.users u where u.deletion_requested_at is null${visible} and ${where}`;
    const candidates = sql.join(
      [sql`select * from prefixed`, ...similar.map((where) => branch(sql`(select count(*) from prefixed) < ${FUZZY_BELOW} and ${where}`))],
      sql` union `,
    );
    const rank = sql`case
      when u.handle = ${handle} then 0
      when u.handle like ${handlePrefix} then 1
      when ${dn} like ${namePrefix} or ${dn} like ${wordPrefix} then 2
      else 3 end`;
    const score = sql`greatest(similarity(u.handle, ${handle}), word_similarity(${name}, ${dn}), similarity(${dn}, ${name}))::float8`;
    const page = cursor ? sql`where (m.rank, -m.score, m.id) > (${cursor.rank}::int, ${-cursor.score}::float8, ${cursor.id}::uuid)` : sql``;
    const columns = sql.join(
      COLUMNS.map(([key, column]) => sql`u.${sql.identifier(column.name)} as ${sql.identifier(key)}`),
      sql`, `,
    );
    const search = sql`
      with prefixed as (${sql.join(prefixes.map(branch), sql` union `)}),
      candidates as (${candidates}),
      matches as (select ${rank} as rank, coalesce(${score}, 0) as score, ${columns} from candidates u)
      select c.total, p.*
      from (select count(*)::int as total from candidates) c
      left join lateral (
        select * from matches m
        ${page}
        order by m.rank, m.score desc, m.id
        limit ${first + 1}
      ) p on true
      order by p.rank, p.score desc, p.id`;
    // The planner prices trigram operators as cheap and would rather scan every member than use
    // the indexes (0.3-0.7 s at 100 000): for this statement only it may not scan, and each query
    // is planned for its own values (a generic plan cannot use a prefix). Pipelined with the search.
    const [, rows] = await this.db.transaction((tx) =>
      Promise.all([
        tx.execute(sql`select set_config('enable_seqscan', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)`),
        tx.execute<Record<string, unknown> & { rank: Rank | null; score: number | null; total: number }>(search),
      ]),
    );
    const total = rows[0]?.total ?? 0;
    const matches: Match[] = rows.filter((r) => r.rank !== null).map((r) => ({ user: toUserRow(r), rank: r.rank!, score: r.score! }));
    const connection = toConnection(matches, first, (m) => [m.rank, m.score, m.user.id], total, cursor !== null);
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: e.node.user })) };
  }
}

/** A row of the page, selected with each column under its field's name, as drizzle would map it. */
function toUserRow(raw: Record<string, unknown>): UserRow {
  return Object.fromEntries(COLUMNS.map(([key, column]) => [key, raw[key] == null ? null : column.mapFromDriverValue(raw[key])])) as UserRow;
}

function decodeMatchCursor(after: string | null): { rank: number; score: number; id: string } | null {
  const key = decodeCursor(after, 3);
  if (!key) return null;
  const [rank, score, id] = key;
  if (
    typeof rank !== "number" ||
    ![0, 1, 2, 3].includes(rank) ||
    typeof score !== "number" ||
    !Number.isFinite(score) ||
    typeof id !== "string" ||
    !isUuid(id)
  ) {
    throw badUserInput("`after` is not a cursor from this list.", "after");
  }
  return { rank, score, id };
}
