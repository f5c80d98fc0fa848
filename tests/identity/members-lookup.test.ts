// members(query:) through the gateway: finding members by handle or display name (exact handle,
// prefixes, words, typos), never by email nor showing one, without deleted members, page by page;
// and as many SQL statements for a page of 50 as for a page of 10.
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { GatewayClient, mailTo, registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { metricsUrlOf, sample, scrape } from "../harness/metrics.ts";

const MEMBERS = `query ($q: String!, $first: Int, $after: String) {
  members(query: $q, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id handle displayName email } }
  }
}`;

type Page = {
  members: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; handle: string | null; displayName: string; email: string | null } }[];
  };
};

/** A word nobody else in the run has: 12 letters (display names are matched by words). */
const uniqueWord = () =>
  `q${randomUUID()
    .replace(/[^a-f]/g, "")
    .padEnd(11, "b")
    .slice(0, 11)}`;
const find = (client: GatewayClient, q: string, first?: number, after?: string) => client.data<Page>(MEMBERS, { q, first, after });
const ids = (page: Page) => page.members.edges.map((e) => e.node.id);

async function member(displayName: string, handle?: string): Promise<TestUser> {
  const user = await registerUser({ displayName, verify: false });
  if (handle) {
    await user.client.data(`mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { code } } }`, { input: { handle } });
  }
  return user;
}

describe("members(query:)", () => {
  it("finds the exact handle first, then handle prefixes, names and their words, then typos", async () => {
    const w = uniqueWord();
    const W = w[0]!.toUpperCase() + w.slice(1);
    const typo = `${w.slice(0, -1)}x`;
    const exact = await member("Someone Else", w);
    const handlePrefix = await member("Another Person", `${w}_b`);
    const namePrefix = await member(`${W} Cooper`);
    const wordPrefix = await member(`Dana ${W}son`);
    const similar = await member(`Eve ${typo}`);
    const asker = await registerUser({ verify: false });

    const page = await find(asker.client, w);
    expect(ids(page).slice(0, 2)).toEqual([exact.id, handlePrefix.id]);
    expect(new Set(ids(page).slice(2, 4))).toEqual(new Set([namePrefix.id, wordPrefix.id]));
    expect(ids(page)[4]).toBe(similar.id);
    expect(page.members.totalCount).toBe(5);
    // Case does not matter, and a leading @ looks for handles.
    expect(ids(await find(asker.client, `@${w.toUpperCase()}`))[0]).toBe(exact.id);
    // A typo in the query finds the right one too.
    expect(ids(await find(asker.client, typo))).toContain(namePrefix.id);
  });

  it("never matches an email, nor shows one; a member is found by handle (control)", async () => {
    const w = uniqueWord();
    const hidden = await registerUser({ email: `${w}@localex.test`, displayName: "Private Person", verify: false });
    const asker = await registerUser({ verify: false });
    expect((await find(asker.client, w)).members).toMatchObject({ totalCount: 0, edges: [] });
    expect((await find(asker.client, `${w}@localex.test`)).members.totalCount).toBe(0);
    await hidden.client.data(`mutation { updateProfile(input: { handle: "${w.slice(0, 20)}" }) { errors { code } } }`);
    const found = await find(asker.client, w);
    expect(found.members.edges.map((e) => e.node)).toEqual([{ id: hidden.id, handle: w.slice(0, 20), displayName: "Private Person", email: null }]);
    // Signed out: found all the same, without the email.
    expect((await find(new GatewayClient(), w)).members.edges.map((e) => e.node.email)).toEqual([null]);
  });

  it("leaves deleted members out (found before: control)", async () => {
    const w = uniqueWord();
    const leaving = await member(`${w} Leaving`);
    const asker = await registerUser({ verify: false });
    expect(ids(await find(asker.client, w))).toEqual([leaving.id]);
    const { deleteMyAccount } = await leaving.client.data<{ deleteMyAccount: { accepted: boolean } }>(
      `mutation ($p: String!) { deleteMyAccount(password: $p) { accepted } }`,
      { p: leaving.password },
    );
    expect(deleteMyAccount.accepted).toBe(true);
    expect((await find(asker.client, w)).members).toMatchObject({ totalCount: 0, edges: [] });
  });

  it("pages with cursors: the pages together are the whole list, once each; bad input is refused", async () => {
    const w = uniqueWord();
    const found = await Promise.all(Array.from({ length: 5 }, (_, i) => member(`${w} Number${i}`)));
    const asker = await registerUser({ verify: false });
    const all = ids(await find(asker.client, w, 10));
    expect(new Set(all)).toEqual(new Set(found.map((m) => m.id)));
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 3; i++) {
      const page = await find(asker.client, w, 2, after);
      expect(page.members.totalCount).toBe(5);
      seen.push(...ids(page));
      expect(page.members.pageInfo.hasNextPage).toBe(i < 2);
      after = page.members.pageInfo.endCursor ?? undefined;
    }
    expect(seen).toEqual(all);
    const codes = async (q: string, after?: string) =>
      (await asker.client.request(MEMBERS, { q, after })).errors?.map((e) => [e.extensions?.code, e.extensions?.field]);
    expect(await codes(" ")).toEqual([["BAD_USER_INPUT", "query"]]);
    expect(await codes("x".repeat(61))).toEqual([["BAD_USER_INPUT", "query"]]);
    expect(await codes(w, "bm90IGEgY3Vyc29y")).toEqual([["BAD_USER_INPUT", "after"]]);
    expect(await codes("x".repeat(60))).toBeUndefined(); // the longest query is answered (control)
  });

  it("costs as many SQL statements for a page of 50 members, with avatars and ratings, as for a page of 10", async () => {
    const w = uniqueWord();
    const members = await Promise.all(Array.from({ length: 50 }, (_, i) => member(`${w} Member${i}`)));
    const asker = await registerUser({ verify: false });
    // Registration's own background work (the verification mail job reads the member) is done before counting.
    for (const { email } of [...members, asker])
      await eventually(
        `the verification mail to ${email}`,
        () => mailTo(email),
        (mail) => mail.length > 0,
      );
    // The graph under test is one process: one scrape reads every subgraph's count. One scrape per
    // reading, not one per subgraph: a scrape counts the job queue with a statement of its own, and
    // scrapes at once would each count the others' at random.
    const metrics = metricsUrlOf(inject("subgraphUrls").identity!);
    const applications = ["localex-identity", "localex-media", "localex-trades"];
    const statements = async () => {
      const samples = await scrape(metrics);
      return applications.map((application) => sample(samples, "localex_sql_statements_total", { application }));
    };
    const query = `query ($q: String!, $first: Int) { members(query: $q, first: $first) { totalCount edges { node { id handle displayName memberSince avatar { url } rating completedTrades } } } }`;
    /** Statements each subgraph sent while one page was asked for. */
    const cost = async (first: number) => {
      const before = await statements();
      const res = await asker.client.request<{ members: { totalCount: number; edges: unknown[] } }>(query, { q: w, first });
      expect(res.errors).toBeUndefined();
      expect(res.data!.members.edges).toHaveLength(first);
      return (await statements()).map((n, i) => n - before[i]!);
    };
    // Other work on the graph (other files, jobs) only ever adds statements: per subgraph, the
    // least of many tries is the page's own cost. At least eight tries; while another file keeps
    // the graph busy, up to forty, until the two least costs agree (a page of 50 that cost more
    // never can: its least cannot fall below its own cost).
    const least = [
      [Infinity, Infinity, Infinity],
      [Infinity, Infinity, Infinity],
    ];
    const total = (perSubgraph: number[]) => perSubgraph.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 40 && (i < 8 || total(least[0]!) !== total(least[1]!)); i++) {
      for (const [j, first] of [10, 50].entries()) (await cost(first)).forEach((n, k) => (least[j]![k] = Math.min(least[j]![k]!, n)));
    }
    const [ten, fifty] = least.map(total);
    expect(ten).toBeGreaterThan(0);
    expect(fifty).toBe(ten);
  });
});
