// Deleted and taken-down media stop being served (issue 23): at the origin in the request that
// deletes or takes them down, and at the CDN, which the media:purge job asks to forget the URLs.
// The CDN is the test's own caching proxy (tests/harness/caching-proxy.ts), so this file runs its
// own media (its own database, so the shared graph's media worker, which has no CDN to purge, never
// takes its jobs; its own folder on disk) with the proxy as MEDIA_CDN_BASE_URL and CDN_PURGE_URL,
// and its own gateway; identity, listings, trades, ledger and search are the shared graph's. What
// needs no CDN (who may take media down, the owner's notification) runs on the shared graph.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CALLER_HEADER } from "@localex/common";
import { startCachingProxy, type CachingProxy, type PurgeRequest } from "../harness/caching-proxy.ts";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";
import { signedAsService } from "../harness/internal-calls.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { createListing } from "../listings/helpers.ts";
import { untilJobEnds, uploadDirect, type MediaData } from "./helpers.ts";
import { flat } from "./image-fixtures.ts";
import { besideSharedGraph } from "../harness/beside.ts";

const PURGE_TOKEN = "cdn-purge-test-token-0123456789abcdef";
const DELETE_MEDIA = `mutation ($id: ID!) { deleteMedia(id: $id) { deleted errors { code field } } }`;
const TAKE_DOWN = `mutation ($id: ID!, $reason: String!) {
  takeDownMedia(id: $id, reason: $reason) { media { id status url takedownReason takenDownAt } errors { code message field } } }`;
const ONE = `query ($id: ID!) { media(id: $id) { id status url takedownReason } }`;
const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;

type TakeDown = {
  takeDownMedia: {
    media: { id: string; status: string; url: string | null; takedownReason: string | null; takenDownAt: string | null } | null;
    errors: { code: string; message: string; field: string | null }[];
  };
};

let dir: string;
let png: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-cdn-purge-test-"));
  png = await flat(dir, "holiday.png", 640, 480, "png");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A member's READY upload, as `client` (a gateway) sees it. */
async function readyUpload(user: TestUser, options: { purpose: "AVATAR" | "LISTING_PHOTO"; listingId?: string }): Promise<MediaData> {
  const uploaded = await uploadDirect(user, png, { contentType: "image/png", ...options });
  expect(uploaded.errors).toEqual([]);
  const job = await untilJobEnds(user, uploaded.media!.job!.id, 60_000);
  expect(job.status).toBe("SUCCEEDED");
  return job.media!;
}

const variantUrls = (media: MediaData): string[] => [media.url!, media.thumbnail!, media.medium!, media.large!];

describe("[own media behind a caching proxy, own gateway] deleted and taken-down media stop being served, and the CDN is purged", () => {
  let database: FreshDatabase | undefined;
  let proxy: CachingProxy | undefined;
  let pieces: Piece[] = [];
  let gatewayUrl: string;
  let origin: string;
  let mediaDb: postgres.Sql | undefined;
  let mediaDataDir: string;

  beforeAll(async () => {
    database = await freshDatabase(inject("databaseUrl"), "localex_cdn_purge");
    mediaDataDir = await mkdtemp(join(tmpdir(), "localex-cdn-purge-media-"));
    const [mediaPort, gatewayPort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${mediaPort}`;
    proxy = await startCachingProxy({ origin, token: PURGE_TOKEN });
    const env = besideSharedGraph({ media: `${origin}/graphql` }, { MEDIA_PORT: String(mediaPort), PORT: String(gatewayPort) });
    const media = servePiece("media", {
      ...env,
      DATABASE_URL: database.url,
      DATA_DIR: mediaDataDir,
      MEDIA_CDN_BASE_URL: proxy.url,
      CDN_PURGE_URL: proxy.purgeUrl,
      CDN_PURGE_TOKEN: PURGE_TOKEN,
    });
    const gateway = servePiece("gateway", env);
    pieces = [gateway, media];
    await untilHealthy(`${origin}/healthz`, media);
    await untilHealthy(`http://127.0.0.1:${gatewayPort}/healthz`, gateway);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    mediaDb = postgres(database.url, { max: 1, onnotice: () => {} });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(pieces.map((p) => stopPiece(p)));
    await mediaDb?.end({ timeout: 5 });
    await Promise.all([proxy?.close(), database?.drop(), rm(mediaDataDir, { recursive: true, force: true })]);
  }, 60_000);

  /** The member, with their client on this file's gateway. */
  const here = (user: TestUser): TestUser => ({ ...user, client: new GatewayClient(gatewayUrl, user.accessToken) });
  const adminHere = async () => here({ accessToken: (await signInAdmin()).token! } as TestUser).client;
  const viaCdn = (url: string) => fetch(url);
  const atOrigin = (url: string) => fetch(`${origin}${new URL(url).pathname}`);

  /** Fetches every URL through the CDN twice: the bytes, and the origin reached once per URL (the proxy caches). */
  async function warm(urls: string[]): Promise<void> {
    for (const url of urls) {
      const [first, second] = [await viaCdn(url), await viaCdn(url)];
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(Buffer.from(await second.arrayBuffer())).toEqual(Buffer.from(await first.arrayBuffer()));
      expect(second.headers.get("x-cache")).toBe("HIT");
      expect(proxy!.originHits(url)).toBe(1);
    }
  }

  /** The purge requests (accepted or not) that named every one of these URLs. */
  const purgesOf = (urls: string[]): PurgeRequest[] => proxy!.purges.filter((p) => urls.every((u) => p.urls.includes(u)));

  /** After the purge: every URL refused at the origin and through the CDN, which had to ask the origin again. */
  async function expectGone(urls: string[]): Promise<void> {
    for (const url of urls) {
      expect((await atOrigin(url)).status).toBe(404);
      const through = await viaCdn(url);
      expect(through.status).toBe(404);
      expect(proxy!.originHits(url)).toBe(2);
    }
  }

  it("serves public variants through the CDN, which caches them (positive control); deleteMedia: the origin refuses at once, the purge arrives, the CDN serves them no more", async () => {
    const member = here(await registerUser({ verify: false }));
    const avatar = await readyUpload(member, { purpose: "AVATAR" });
    const urls = variantUrls(avatar);
    for (const url of urls) expect(url.startsWith(`${proxy!.url}/public/media/${avatar.id}/`)).toBe(true);
    await warm(urls);

    const { deleteMedia } = await member.client.data<{ deleteMedia: { deleted: boolean; errors: unknown[] } }>(DELETE_MEDIA, { id: avatar.id });
    expect(deleteMedia).toEqual({ deleted: true, errors: [] });
    // In the request: the origin no longer has the bytes, whatever the CDN still holds.
    for (const url of urls) expect((await atOrigin(url)).status).toBe(404);

    const [purge] = await eventually(
      "the purge of the deleted avatar",
      async () => purgesOf(urls),
      (p) => p.length > 0,
    );
    expect(purge).toEqual({ urls: expect.arrayContaining(urls), authorized: true, status: 200 });
    expect(purge!.urls).toHaveLength(urls.length);
    await expectGone(urls);
  });

  it("takeDownMedia (an admin): the origin refuses at once, the purge arrives, the owner sees it TAKEN_DOWN with the reason and is notified; a member is refused", async () => {
    const member = await registerUser({ verify: false });
    const listing = await createListing(member);
    const photo = await readyUpload(here(member), { purpose: "LISTING_PHOTO", listingId: listing.id });
    const urls = variantUrls(photo);
    await warm(urls);
    const reason = "Shows a person who did not agree to be photographed.";

    // A member (its owner, even) may not take media down; nothing changes.
    const refused = await here(member).client.request<TakeDown>(TAKE_DOWN, { id: photo.id, reason });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await atOrigin(urls[0]!)).status).toBe(200);

    const admin = await adminHere();
    const { takeDownMedia } = await admin.data<TakeDown>(TAKE_DOWN, { id: photo.id, reason });
    expect(takeDownMedia.errors).toEqual([]);
    expect(takeDownMedia.media).toMatchObject({ id: photo.id, status: "TAKEN_DOWN", url: null, takedownReason: reason });
    for (const url of urls) expect((await atOrigin(url)).status).toBe(404);

    const [purge] = await eventually(
      "the purge of the taken-down photo",
      async () => purgesOf(urls),
      (p) => p.length > 0,
    );
    expect(purge).toEqual({ urls: expect.arrayContaining(urls), authorized: true, status: 200 });
    await expectGone(urls);

    // Its owner still sees it, and why; anyone else sees nothing.
    const { media: asOwner } = await here(member).client.data<{ media: { status: string; url: string | null; takedownReason: string } }>(ONE, { id: photo.id });
    expect(asOwner).toEqual({ id: photo.id, status: "TAKEN_DOWN", url: null, takedownReason: reason });
    const stranger = here(await registerUser({ verify: false }));
    expect((await stranger.client.data<{ media: unknown }>(ONE, { id: photo.id })).media).toBeNull();

    // The owner's notification was queued with the change (identity, which runs it, reads the
    // shared database's queue: the shared graph's test below shows it arrive).
    const [notify] = await mediaDb!<{ payload: Record<string, unknown> }[]>`
      select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'identity:notify' and j.payload->>'mediaId' = ${photo.id} and j.payload->>'kind' = 'MEDIA_TAKEN_DOWN'`;
    expect(notify?.payload).toMatchObject({ userId: member.id, kind: "MEDIA_TAKEN_DOWN", details: { filename: "holiday.png", reason } });

    // Taken down once: a second takedown is refused as data, showing the media as it stands.
    const again = (await admin.data<TakeDown>(TAKE_DOWN, { id: photo.id, reason })).takeDownMedia;
    expect(again.errors.map((e) => [e.code, e.field])).toEqual([["INVALID_STATE", "id"]]);
    expect(again.media?.status).toBe("TAKEN_DOWN");
  });

  it("purges a replaced avatar, and every public file of a departing member (forgetMemberMedia, as identity's deletion calls it)", async () => {
    const member = here(await registerUser({ verify: false }));
    const first = await readyUpload(member, { purpose: "AVATAR" });
    await warm(variantUrls(first));
    const second = await readyUpload(member, { purpose: "AVATAR" }); // replaces the first once READY
    await eventually(
      "the purge of the replaced avatar",
      async () => purgesOf(variantUrls(first)),
      (p) => p.some((r) => r.status === 200),
    );
    await expectGone(variantUrls(first));

    const listing = await createListing(member);
    const photo = await readyUpload(member, { purpose: "LISTING_PHOTO", listingId: listing.id });
    await warm([...variantUrls(second), ...variantUrls(photo)]);
    const response = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", [CALLER_HEADER]: await signedAsService("media", "identity") },
      body: JSON.stringify({ query: `mutation ($userId: ID!) { forgetMemberMedia(userId: $userId) }`, variables: { userId: member.id } }),
    });
    expect(await response.json()).toEqual({ data: { forgetMemberMedia: 2 } });
    for (const gone of [second, photo]) {
      await eventually(
        `the purge of ${gone.purpose}`,
        async () => purgesOf(variantUrls(gone)),
        (p) => p.some((r) => r.status === 200),
      );
      await expectGone(variantUrls(gone));
    }
  });

  it("a CDN that refuses the purge is asked again: the job is retried, not dropped", async () => {
    const member = here(await registerUser({ verify: false }));
    const avatar = await readyUpload(member, { purpose: "AVATAR" });
    const urls = variantUrls(avatar);
    await warm(urls);
    proxy!.failNextPurges(1);

    await member.client.data(DELETE_MEDIA, { id: avatar.id });
    const attempts = await eventually(
      "the purge to be refused, then accepted",
      async () => purgesOf(urls).map((p) => p.status),
      (statuses) => statuses.includes(200),
      60_000,
    );
    expect(attempts).toEqual([503, 200]);
    await expectGone(urls);
  }, 90_000);
});

describe("takeDownMedia on the shared graph", () => {
  it("is refused to a member (FORBIDDEN) and done for an admin, whose takedown its owner is told about, with the file's name and the reason", async () => {
    const owner = await registerUser({ verify: false });
    const avatar = await readyUpload(owner, { purpose: "AVATAR" });
    const reason = "Impersonates another member.";
    const other = await registerUser({ verify: false });
    const refused = await other.client.request<TakeDown>(TAKE_DOWN, { id: avatar.id, reason });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect((await fetch(avatar.url!)).status).toBe(200);

    const admin = await signInAdmin();
    const { takeDownMedia } = await admin.data<TakeDown>(TAKE_DOWN, { id: avatar.id, reason });
    expect(takeDownMedia.errors).toEqual([]);
    expect(takeDownMedia.media?.status).toBe("TAKEN_DOWN");
    for (const url of variantUrls(avatar)) expect((await fetch(url)).status).toBe(404);

    const inbox = await eventually(
      "the owner's MEDIA_TAKEN_DOWN notification",
      async () => (await owner.client.data<{ notifications: { edges: { node: { kind: string; message: string } }[] } }>(INBOX)).notifications.edges,
      (edges) => edges.some((e) => e.node.kind === "MEDIA_TAKEN_DOWN"),
    );
    expect(inbox.find((e) => e.node.kind === "MEDIA_TAKEN_DOWN")?.node.message).toBe(
      `Your file “holiday.png” was taken down and is no longer served: ${reason}`,
    );
  });

  it("refuses as data: an unknown id (NOT_FOUND), a blank reason (INVALID_INPUT)", async () => {
    const admin = await signInAdmin();
    const unknown = (await admin.data<TakeDown>(TAKE_DOWN, { id: "00000000-0000-4000-8000-000000000000", reason: "spam" })).takeDownMedia;
    expect(unknown.errors.map((e) => [e.code, e.field])).toEqual([["NOT_FOUND", "id"]]);
    const blank = (await admin.data<TakeDown>(TAKE_DOWN, { id: "00000000-0000-4000-8000-000000000000", reason: "  " })).takeDownMedia;
    expect(blank.errors.map((e) => [e.code, e.field])).toEqual([["INVALID_INPUT", "reason"]]);
  });
});
