// Data export and account deletion (issue 12), through the gateway: a member with trades,
// credits, photos and notifications exports everything, then deletes the account; afterwards
// every subgraph is asked what remains.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, wsClient, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { Subscription } from "../harness/subscription.ts";
import { flat, pdf } from "../media/image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "../media/helpers.ts";
import {
  accept,
  accountOf,
  adminClient as signInAdminClient,
  CONFIRM,
  createListing,
  FEEDBACK,
  fundedUser,
  mutate,
  proposed,
  RECONCILIATION,
} from "../trades/helpers.ts";

const EXPORT = `mutation { requestDataExport { job { id kind status } errors { code message field } } }`;
const JOB_UPDATED = `subscription ($id: ID!) { jobUpdated(id: $id) { id status progress downloadUrl } }`;
const JOB = `query ($id: ID!) { job(id: $id) { id status downloadUrl } }`;
const DELETE = `mutation ($password: String!) { deleteMyAccount(password: $password) { accepted activeTradeIds errors { code message field } } }`;
type Refusal = { code: string; message: string; field: string | null };
type Deleted = { deleteMyAccount: { accepted: boolean; activeTradeIds: string[]; errors: Refusal[] } };
type Exported = { requestDataExport: { job: { id: string; kind: string; status: string } | null; errors: Refusal[] } };
const ACCEPTED = { deleteMyAccount: { accepted: true, activeTradeIds: [], errors: [] } };
const SEARCH = `query ($q: String!) { search(query: $q, first: 20) { totalCount edges { node { id title } } } }`;
const USER = `query ($id: ID!) { user(id: $id) { id displayName deleted verified email avatar { id } } }`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-privacy-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A processed photo of the listing (or an avatar without one). */
async function photo(member: TestUser, listingId?: string): Promise<string> {
  const path = await flat(dir, `${randomUUID()}.png`, 320, 200, "png");
  const purpose = listingId ? "LISTING_PHOTO" : "AVATAR";
  const { media } = await uploadDirect(member, path, { purpose, listingId, contentType: "image/png" });
  expect((await untilJobEnds(member, media!.job!.id)).status).toBe("SUCCEEDED");
  return media!.id;
}

/**
 * Ann, a member with a history: a listing with a photo, an avatar, a private document, a trade
 * with Bob completed for 30 credits and feedback both ways, and a proposal to Carol still open.
 */
async function memberWithHistory() {
  const [ann, bob, carol] = await Promise.all([fundedUser(), fundedUser(), fundedUser()]);
  const word = `heirloom${randomUUID().slice(0, 8)}`;
  const listing = await createListing(ann, { title: `Walnut ${word} cabinet`, creditPrice: 30 });
  const photoId = await photo(ann, listing.id);
  await photo(ann);
  const doc = await uploadDirect(ann, await pdf(dir, `${randomUUID()}.pdf`), { purpose: "DOCUMENT", contentType: "application/pdf" });
  await untilJobEnds(ann, doc.media!.job!.id);

  const sold = await proposed(bob, { recipientId: ann.id, requestedListingIds: [listing.id], offeredCredits: 30 });
  expect((await accept(ann, sold.id)).errors).toEqual([]);
  expect((await mutate(bob, CONFIRM, { id: sold.id })).errors).toEqual([]);
  expect((await mutate(ann, CONFIRM, { id: sold.id })).trade!.status).toBe("COMPLETED");
  await mutate(ann, FEEDBACK, { tradeId: sold.id, rating: 5, comment: "Smooth." });
  await mutate(bob, FEEDBACK, { tradeId: sold.id, rating: 4, comment: "Lovely cabinet." });

  const spare = await createListing(ann, { title: `Spare ${word} lamp`, creditPrice: 5 });
  const open = await proposed(ann, { recipientId: carol.id, offeredListingIds: [spare.id], requestedCredits: 5 });
  return { ann, bob, carol, word, listing, spare, photoId, documentId: doc.media!.id, soldTradeId: sold.id, openTradeId: open.id };
}

describe("data export", () => {
  it("gathers the member's data from every subgraph into one archive, theirs alone, with a README", async () => {
    const { ann, bob, listing, soldTradeId, openTradeId, photoId } = await memberWithHistory();
    // Notifications arrive by job, in no set order: wait for the one the export is checked for.
    await eventually(
      "Ann's TRADE_PROPOSED notification",
      () => ann.client.data<{ notifications: { edges: { node: { kind: string } }[] } }>(`{ notifications(first: 50) { edges { node { kind } } } }`),
      (n) => n.notifications.edges.some((e) => e.node.kind === "TRADE_PROPOSED"),
    );

    const { requestDataExport } = await ann.client.data<Exported>(EXPORT);
    expect(requestDataExport.errors).toEqual([]);
    const job = requestDataExport.job!;
    expect(job.kind).toBe("media:export-member-data");
    const client = wsClient(ann.accessToken);
    try {
      const updates = new Subscription<{ jobUpdated: { status: string; downloadUrl: string | null } }>(client, JOB_UPDATED, { id: job.id });
      const done = await updates.until((r) => r.data?.jobUpdated.status === "SUCCEEDED", "the export to succeed", 30_000);
      expect(done.data!.jobUpdated.downloadUrl).toMatch(/signature=/);
    } finally {
      await client.dispose();
    }
    const { job: finished } = await ann.client.data<{ job: { downloadUrl: string } }>(JOB, { id: job.id });
    const response = await fetch(finished.downloadUrl);
    expect(response.status).toBe(200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["localex-export/README.md", "localex-export/data.json"]);
    const data = JSON.parse(strFromU8(files["localex-export/data.json"]!));
    const readme = strFromU8(files["localex-export/README.md"]!);

    expect(data.memberId).toBe(ann.id);
    expect(data.profile.account).toMatchObject({ id: ann.id, email: ann.email, emailVerified: true });
    expect(data.profile.notifications.map((n: { kind: string }) => n.kind)).toContain("TRADE_PROPOSED");
    expect(data.listings.map((l: { id: string }) => l.id)).toContain(listing.id);
    expect(data.listings.find((l: { id: string }) => l.id === listing.id)).toMatchObject({ status: "TRADED", location: { lat: 52.37, lon: 4.9 } });
    const trades = data.trades.trades.map((t: { id: string; status: string; role: string }) => [t.id, t.status, t.role]);
    expect(trades).toEqual(
      expect.arrayContaining([
        [soldTradeId, "COMPLETED", "RECIPIENT"],
        [openTradeId, "PROPOSED", "PROPOSER"],
      ]),
    );
    expect(data.trades.feedbackGiven).toMatchObject([{ tradeId: soldTradeId, rating: 5, comment: "Smooth." }]);
    expect(data.trades.feedbackReceived).toMatchObject([{ tradeId: soldTradeId, rating: 4, authorId: bob.id }]);
    const balance = (await accountOf(ann)).balance;
    expect(data.ledger.account.balance).toBe(balance);
    expect(data.ledger.entries.reduce((sum: number, e: { amount: number }) => sum + e.amount, 0)).toBe(balance);
    expect(data.ledger.entries.map((e: { amount: number }) => e.amount)).toEqual(expect.arrayContaining([100, 30]));
    const files_ = data.media.map((m: { id: string; purpose: string; url: string | null }) => [m.purpose, m.url === null]);
    expect(files_).toEqual(
      expect.arrayContaining([
        ["LISTING_PHOTO", false],
        ["AVATAR", false],
        ["DOCUMENT", true],
      ]),
    );
    expect(data.media.find((m: { id: string }) => m.id === photoId).url).toMatch(/^http/);
    for (const section of ["profile", "listings", "trades", "ledger", "media"]) expect(readme).toContain(`## ${section}`);
    expect(readme).toContain("`entries[].balanceAfter`");

    // Nobody else gets the archive: not another member, not even an admin.
    expect((await bob.client.data<{ job: unknown }>(JOB, { id: job.id })).job).toBeNull();
    const admin = await signInAdminClient();
    expect((await admin.data<{ job: { downloadUrl: string | null } }>(JOB, { id: job.id })).job.downloadUrl).toBeNull();
    // A forged link is refused.
    expect((await fetch(finished.downloadUrl.replace(/signature=[^&]+/, "signature=forged"))).status).toBe(403);
  });

  it("asks for a signed-in member", async () => {
    const { errors } = await new GatewayClient().request(EXPORT);
    expect(errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses, as data, a member whose account is being deleted", async () => {
    const ann = await registerUser();
    const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
    try {
      // The positive control: a job, no errors.
      const first = (await ann.client.data<Exported>(EXPORT)).requestDataExport;
      expect(first).toMatchObject({ job: { kind: "media:export-member-data" }, errors: [] });
      // The moment between asking to leave and the sessions ending (a race in real life): marked,
      // still signed in. Nothing is started for her.
      await db`update identity.users set deletion_requested_at = now() where id = ${ann.id}`;
      const refused = (await ann.client.data<Exported>(EXPORT)).requestDataExport;
      expect(refused).toEqual({ job: null, errors: [{ code: "MEMBER_DEPARTING", message: expect.any(String), field: null }] });
      const [jobs] = await db<{ n: number }[]>`select count(*)::int as n from media.jobs where owner_id = ${ann.id}`;
      expect(jobs!.n).toBe(1);
    } finally {
      await db`update identity.users set deletion_requested_at = null where id = ${ann.id}`;
      await db.end();
    }
  });
});

describe("account deletion", () => {
  it("refuses a wrong password and a member with credits in escrow, and changes nothing", async () => {
    const [ann, bob] = await Promise.all([fundedUser(), fundedUser()]);
    const wrong = await ann.client.data<Deleted>(DELETE, { password: "not my password" });
    expect(wrong.deleteMyAccount).toEqual({
      accepted: false,
      activeTradeIds: [],
      errors: [expect.objectContaining({ code: "WRONG_PASSWORD", field: "password" })],
    });

    const listing = await createListing(ann, { creditPrice: 10 });
    const trade = await proposed(bob, { recipientId: ann.id, requestedListingIds: [listing.id], offeredCredits: 10 });
    expect((await accept(ann, trade.id)).errors).toEqual([]);
    const { deleteMyAccount: stranded } = await ann.client.data<Deleted>(DELETE, { password: ann.password });
    expect(stranded).toEqual({
      accepted: false,
      activeTradeIds: [trade.id],
      errors: [expect.objectContaining({ code: "MEMBER_HAS_ACTIVE_TRADES", field: null })],
    });
    expect(stranded.errors[0]!.message).toContain(trade.id);
    // Still a member in every way.
    const { user } = await bob.client.data<{ user: { displayName: string; deleted: boolean } }>(USER, { id: ann.id });
    expect(user).toMatchObject({ displayName: ann.displayName, deleted: false });
    expect((await ann.client.data<{ me: { id: string } }>(`{ me { id } }`)).me.id).toBe(ann.id);
    const login = await new GatewayClient().request(`mutation ($input: LoginInput!) { login(input: $input) { user { id } } }`, {
      input: { email: ann.email, password: ann.password },
    });
    expect(login.errors).toBeUndefined();
  });

  it("takes the account apart across every subgraph; what remains is an anonymous id others' histories point at", async () => {
    const { ann, bob, carol, word, listing, spare, photoId, soldTradeId, openTradeId } = await memberWithHistory();
    const photoUrl = (
      await new GatewayClient().data<{ listing: { photos: { url: string }[] } }>(`query ($id: ID!) { listing(id: $id) { photos { url } } }`, { id: listing.id })
    ).listing.photos[0]!.url;
    expect((await fetch(photoUrl)).status).toBe(200);
    const socket = wsClient(ann.accessToken);
    const live = new Subscription(socket, `subscription { notificationAdded { id } }`);

    // A double click: both are accepted (or the second finds her signed out), one deletion runs.
    const clicks = await Promise.all([
      ann.client.request<Deleted>(DELETE, { password: ann.password }),
      ann.client.request<Deleted>(DELETE, { password: ann.password }),
    ]);
    const answers = clicks.map((c) => (c.data ? c.data : c.errors?.[0]?.extensions?.code));
    expect(answers).toContainEqual(ACCEPTED);
    expect(answers.every((a) => a === "UNAUTHENTICATED" || JSON.stringify(a) === JSON.stringify(ACCEPTED))).toBe(true);

    // Signed out everywhere at once: the token is refused, the socket closed, no new sign-in.
    await eventually(
      "Ann's token to be refused",
      () => ann.client.request(`{ me { id } }`),
      (r) => r.errors?.[0]?.extensions?.code === "UNAUTHENTICATED",
    );
    expect((await live.end()).error).toBeDefined();
    await socket.dispose();
    const login = await new GatewayClient().request(`mutation ($input: LoginInput!) { login(input: $input) { user { id } } }`, {
      input: { email: ann.email, password: ann.password },
    });
    expect(login.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const refresh = await new GatewayClient().request(`mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: ann.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    // identity: the profile is anonymised once the job has run.
    const user = await eventually(
      "the deletion job",
      async () =>
        (
          await bob.client.data<{ user: { displayName: string; deleted: boolean; verified: boolean; email: string | null; avatar: unknown } }>(USER, {
            id: ann.id,
          })
        ).user,
      (u) => u.displayName === "Deleted member",
    );
    expect(user).toEqual({ id: ann.id, displayName: "Deleted member", deleted: true, verified: false, email: null, avatar: null });

    // trades: Bob's history keeps the trade, naming a deleted member; Carol's open proposal is cancelled.
    const { trade: sold } = await bob.client.data<{ trade: { status: string; recipient: { displayName: string; deleted: boolean } } }>(
      `query ($id: ID!) { trade(id: $id) { status recipient { displayName deleted } } }`,
      { id: soldTradeId },
    );
    expect(sold).toEqual({ status: "COMPLETED", recipient: { displayName: "Deleted member", deleted: true } });
    const { trade: open } = await carol.client.data<{ trade: { status: string; events: { kind: string; note: string | null }[] } }>(
      `query ($id: ID!) { trade(id: $id) { status events { kind note } } }`,
      { id: openTradeId },
    );
    expect(open.status).toBe("CANCELLED");
    expect(open.events.at(-1)).toEqual({ kind: "CANCELLED", note: "The member left LocalEx." });
    const again = await mutate(
      bob,
      `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } errors { code field } } }`,
      {
        input: { recipientId: ann.id, offeredCredits: 1 },
        key: randomUUID(),
      },
    );
    expect(again.errors[0]?.field).toBe("input.recipientId");

    // listings and search: the spare is archived and gone from search (which never answers an id that does not resolve); the traded one stays TRADED.
    const { listing: spareNow } = await bob.client.data<{ listing: { status: string } }>(`query ($id: ID!) { listing(id: $id) { status } }`, { id: spare.id });
    expect(spareNow.status).toBe("ARCHIVED");
    const found = await eventually(
      "search to forget the spare",
      async () => (await new GatewayClient().data<{ search: { edges: { node: { id: string } }[] } }>(SEARCH, { q: word })).search,
      (s) => !s.edges.some((e) => e.node.id === spare.id),
    );
    expect(found.edges.every((e) => e.node !== null)).toBe(true);

    // media: the photo's bytes and the listing's photos are gone.
    expect((await fetch(photoUrl)).status).toBe(404);
    const { listing: soldListing } = await bob.client.data<{ listing: { status: string; photos: { id: string }[] } }>(
      `query ($id: ID!) { listing(id: $id) { status photos { id } } }`,
      { id: listing.id },
    );
    expect(soldListing).toEqual({ status: "TRADED", photos: [] });

    // ledger: nothing more can be sent; Bob's entries still name the (deleted) member; every posting still balances.
    const transfer = await bob.client.data<{ transferCredits: { errors: { code: string }[] } }>(
      `mutation ($input: TransferInput!, $key: String!) { transferCredits(input: $input, idempotencyKey: $key) { errors { code } } }`,
      { input: { toUserId: ann.id, amount: 1 }, key: randomUUID() },
    );
    expect(transfer.transferCredits.errors).toMatchObject([{ code: "RECIPIENT_NOT_FOUND" }]);
    const { ledgerEntries } = await bob.client.data<{
      ledgerEntries: { edges: { node: { amount: number; counterparty: { id: string; displayName: string } | null } }[] };
    }>(`{ ledgerEntries(first: 20) { edges { node { amount counterparty { id displayName } } } } }`);
    expect(ledgerEntries.edges.map((e) => e.node)).toContainEqual({ amount: -30, counterparty: { id: ann.id, displayName: "Deleted member" } });
    const admin = await signInAdminClient();
    const { ledgerReconciliation } = await admin.data<{ ledgerReconciliation: { transfersUnbalanced: number; differences: unknown[] } }>(RECONCILIATION);
    expect(ledgerReconciliation).toMatchObject({ transfersUnbalanced: 0, differences: [] });

    // And in the tables themselves: nothing personal left in identity, no file of hers in media.
    const db = postgres(inject("databaseUrl"), { max: 1 });
    try {
      const [left] = await db<{ notifications: number; tokens: number; requests: number; media: number; email: string }[]>`
        select (select count(*)::int from identity.notifications where user_id = ${ann.id}) as notifications,
               (select count(*)::int from identity.refresh_tokens where user_id = ${ann.id}) as tokens,
               (select count(*)::int from identity.verification_requests where user_id = ${ann.id}) as requests,
               (select count(*)::int from media.media where owner_id = ${ann.id}) as media,
               (select email from identity.users where id = ${ann.id}) as email`;
      expect(left).toEqual({ notifications: 0, tokens: 0, requests: 0, media: 0, email: `deleted-${ann.id}@deleted.invalid` });
      const [photoRow] = await db`select 1 from media.media where id = ${photoId}`;
      expect(photoRow).toBeUndefined();
    } finally {
      await db.end();
    }
  });

  // Its own waits are long: the media step fails only when identity's internal call times out (10 s),
  // then the retry runs the last three steps; under a full run's load that passed 30 s (seen in CI).
  it("resumes after a step fails, from that step, and finishes the deletion", { timeout: 90_000 }, async () => {
    const [ann, carol] = await Promise.all([fundedUser(), fundedUser()]);
    const listing = await createListing(ann, { creditPrice: 5 });
    const open = await proposed(ann, { recipientId: carol.id, offeredListingIds: [listing.id] });
    await photo(ann);
    const db = postgres(inject("databaseUrl"), { max: 2 });
    try {
      // A fault in the third step (media): Ann's files stay locked, so media cannot delete them
      // and the step fails (the internal call times out); the job is retried with backoff.
      const blocker = db.reserve();
      const held = await blocker;
      await held`begin`;
      await held`select id from media.media where owner_id = ${ann.id} for update`;
      expect(await ann.client.data<Deleted>(DELETE, { password: ann.password })).toEqual(ACCEPTED);
      const stuck = await eventually(
        "the media step to fail",
        async () =>
          (
            await db<
              { steps: string[]; error: string | null }[]
            >`select steps_done as steps, last_error as error from identity.account_deletions where user_id = ${ann.id}`
          )[0],
        (d) => d?.error?.startsWith("forget-media") === true,
      );
      expect(stuck!.steps).toEqual(["close-trades", "withdraw-listings"]);
      expect((await carol.client.data<{ trade: { status: string } }>(`query ($id: ID!) { trade(id: $id) { status } }`, { id: open.id })).trade.status).toBe(
        "CANCELLED",
      );
      expect((await carol.client.data<{ user: { displayName: string } }>(USER, { id: ann.id })).user.displayName).toBe(ann.displayName);

      await held`rollback`;
      held.release();
      // Skip the backoff: run the retry now.
      await db`update graphile_worker._private_jobs set run_at = now() where key = ${`account-deletion:${ann.id}`}`;
      await eventually(
        "the deletion to finish",
        async () => (await carol.client.data<{ user: { displayName: string } }>(USER, { id: ann.id })).user.displayName,
        (name) => name === "Deleted member",
      );
      const [done] = await db<{ steps: string[]; completed: boolean; files: number }[]>`
        select steps_done as steps, completed_at is not null as completed,
               (select count(*)::int from media.media where owner_id = ${ann.id}) as files
        from identity.account_deletions where user_id = ${ann.id}`;
      expect(done).toEqual({ steps: ["close-trades", "withdraw-listings", "forget-media", "close-account", "anonymise-profile"], completed: true, files: 0 });
    } finally {
      await db.end();
    }
  });
});
