// Listing photos and avatars as members see them: ordered, reordered, deleted with their blobs,
// replaced, counted against a quota, cleaned up, and read in batches.
import { randomUUID } from "node:crypto";
import { mkdtemp, mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { ARCHIVE, createListing } from "../listings/helpers.ts";
import { asService } from "../trades/helpers.ts";
import { sqlStatements } from "../harness/metrics.ts";
import { eventually } from "../harness/eventually.ts";
import { flat } from "./image-fixtures.ts";
import { createUpload, storedBlobsOf, untilJobEnds, uploadDirect, type MediaData } from "./helpers.ts";

let dir: string;
const db = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-photos-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.end();
});

const PHOTOS = `query ($id: ID!) { listing(id: $id) { id photos { id status thumbnail: url(variant: THUMBNAIL) } } }`;
const REORDER = `mutation ($listingId: ID!, $ids: [ID!]!) {
  reorderListingPhotos(listingId: $listingId, mediaIds: $ids) { photos { id } errors { code field } } }`;
const DELETE_MEDIA = `mutation ($id: ID!) { deleteMedia(id: $id) { deleted errors { code field } } }`;
type Reordered = { reorderListingPhotos: { photos: { id: string }[] | null; errors: { code: string; field: string | null }[] } };
const refusal = (code: string, field: string | null) => [{ code, field }];

/** A processed photo of the listing, `width` pixels wide so photos can be told apart. */
async function photo(user: TestUser, listingId: string, width: number): Promise<MediaData> {
  const path = await flat(dir, `${randomUUID()}.png`, width, 100, "png");
  const { media, errors } = await uploadDirect(user, path, { purpose: "LISTING_PHOTO", listingId, contentType: "image/png" });
  expect(errors).toEqual([]);
  const job = await untilJobEnds(user, media!.job!.id);
  expect(job.status).toBe("SUCCEEDED");
  return job.media!;
}

const photoIds = async (client: GatewayClient, listingId: string) =>
  (await client.data<{ listing: { photos: { id: string }[] } }>(PHOTOS, { id: listingId })).listing.photos.map((p) => p.id);

describe("listing photos", () => {
  it("shows photos in their order to everyone, reorders them for the owner only, and refuses a wrong set", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const listing = await createListing(ann);
    const [a, b, c] = [await photo(ann, listing.id, 300), await photo(ann, listing.id, 310), await photo(ann, listing.id, 320)];
    expect(await photoIds(new GatewayClient(), listing.id)).toEqual([a!.id, b!.id, c!.id]);

    const reordered = await ann.client.data<Reordered>(REORDER, { listingId: listing.id, ids: [c!.id, a!.id, b!.id] });
    expect(reordered.reorderListingPhotos).toEqual({ photos: [{ id: c!.id }, { id: a!.id }, { id: b!.id }], errors: [] });
    expect(await photoIds(bob.client, listing.id)).toEqual([c!.id, a!.id, b!.id]);

    // Refusals are data, with their own code and the argument at fault; nothing changes.
    const refused = async (user: TestUser, listingId: string, ids: string[]) =>
      (await user.client.data<Reordered>(REORDER, { listingId, ids })).reorderListingPhotos;
    expect(await refused(ann, listing.id, [a!.id, b!.id])).toEqual({ photos: null, errors: refusal("INVALID_INPUT", "mediaIds") });
    expect(await refused(ann, listing.id, [a!.id, a!.id, b!.id])).toEqual({ photos: null, errors: refusal("INVALID_INPUT", "mediaIds") });
    expect(await refused(bob, listing.id, [a!.id, b!.id, c!.id])).toEqual({ photos: null, errors: refusal("FORBIDDEN", "listingId") });
    expect(await refused(ann, randomUUID(), [a!.id, b!.id, c!.id])).toEqual({ photos: null, errors: refusal("NOT_FOUND", "listingId") });
    expect(await photoIds(ann.client, listing.id)).toEqual([c!.id, a!.id, b!.id]);
  });

  it("lets only the listing's owner add photos", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const listing = await createListing(ann);
    const path = await flat(dir, "bob.png", 200, 100, "png");
    const res = await createUpload(bob, path, { purpose: "LISTING_PHOTO", listingId: listing.id, contentType: "image/png" });
    expect(res).toEqual({ upload: null, errors: [expect.objectContaining({ code: "FORBIDDEN", field: "input.listingId" })] });
    const nowhere = await createUpload(bob, path, { purpose: "LISTING_PHOTO", listingId: randomUUID(), contentType: "image/png" });
    expect(nowhere).toEqual({ upload: null, errors: [expect.objectContaining({ code: "NOT_FOUND", field: "input.listingId" })] });
    // The positive control: the owner gets a URL.
    const own = await createUpload(ann, path, { purpose: "LISTING_PHOTO", listingId: listing.id, contentType: "image/png" });
    expect(own.errors).toEqual([]);
    expect(own.upload?.media.id).toBeTruthy();
  });

  it("deletes a photo with every blob it had, for its owner only", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const listing = await createListing(ann);
    const kept = await photo(ann, listing.id, 300);
    const gone = await photo(ann, listing.id, 310);
    expect(await storedBlobsOf(gone.id)).not.toEqual([]);
    expect(await bob.client.data(DELETE_MEDIA, { id: gone.id })).toEqual({ deleteMedia: { deleted: false, errors: refusal("FORBIDDEN", "id") } });
    expect(await storedBlobsOf(gone.id)).not.toEqual([]);
    expect(await ann.client.data(DELETE_MEDIA, { id: gone.id })).toEqual({ deleteMedia: { deleted: true, errors: [] } });
    expect(await ann.client.data(DELETE_MEDIA, { id: gone.id })).toEqual({ deleteMedia: { deleted: false, errors: refusal("NOT_FOUND", "id") } });
    expect(await storedBlobsOf(gone.id)).toEqual([]);
    expect(await photoIds(ann.client, listing.id)).toEqual([kept.id]);
    expect((await fetch(gone.thumbnail!)).status).toBe(404);
  });

  it("deletes the photo's processing job with it; a kept photo's job stays", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const uploaded = async (width: number) => {
      const path = await flat(dir, `${randomUUID()}.png`, width, 100, "png");
      const { media } = await uploadDirect(ann, path, { purpose: "LISTING_PHOTO", listingId: listing.id, contentType: "image/png" });
      await untilJobEnds(ann, media!.job!.id);
      return { mediaId: media!.id, jobId: media!.job!.id };
    };
    const kept = await uploaded(300);
    const gone = await uploaded(310);
    const JOB_ID = `query ($id: ID!) { job(id: $id) { id } }`;
    expect(await ann.client.data(JOB_ID, { id: gone.jobId })).toEqual({ job: { id: gone.jobId } });
    expect(await ann.client.data(DELETE_MEDIA, { id: gone.mediaId })).toEqual({ deleteMedia: { deleted: true, errors: [] } });
    expect(await ann.client.data(JOB_ID, { id: gone.jobId })).toEqual({ job: null });
    expect(await ann.client.data(JOB_ID, { id: kept.jobId })).toEqual({ job: { id: kept.jobId } });
  });
});

describe("avatars", () => {
  it("replaces the avatar once the new one is READY, deleting the old one's blobs", async () => {
    const ann = await registerUser();
    const first = await uploadDirect(ann, await flat(dir, "a1.png", 400, 400, "png"), { contentType: "image/png" });
    await untilJobEnds(ann, first.media!.job!.id);
    expect(await storedBlobsOf(first.media!.id)).not.toEqual([]);
    const second = await uploadDirect(ann, await flat(dir, "a2.png", 500, 500, "png"), { contentType: "image/png" });
    await untilJobEnds(ann, second.media!.job!.id);
    const { user } = await new GatewayClient().data<{ user: { avatar: { id: string; width: number } } }>(
      `query ($id: ID!) { user(id: $id) { avatar { id width } } }`,
      { id: ann.id },
    );
    expect(user.avatar).toEqual({ id: second.media!.id, width: 500 });
    // The old one's row went with the new one's READY; its blobs go right after that commit.
    await eventually(
      "the old avatar's blobs deleted",
      () => storedBlobsOf(first.media!.id),
      (keys) => keys.length === 0,
    );
  });
});

describe("private documents", () => {
  it("gives only their owner a short-lived signed URL; a tampered URL is refused", async () => {
    const ann = await registerUser();
    const { pdf } = await import("./image-fixtures.ts");
    const result = await uploadDirect(ann, await pdf(dir, "id.pdf"), { purpose: "DOCUMENT", contentType: "application/pdf" });
    const job = await untilJobEnds(ann, result.media!.job!.id);
    expect(job.media).toMatchObject({ status: "READY", purpose: "DOCUMENT", contentType: "application/pdf", thumbnail: null });
    const url = job.media!.url!;
    expect(url).toMatch(/signature=/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect((await response.text()).startsWith("%PDF-")).toBe(true);
    expect((await fetch(url.replace(/signature=[^&]+/, "signature=forged"))).status).toBe(403);
    // Nobody else can reach it: not its job, not the media.
    const bob = await registerUser();
    const { job: seen } = await bob.client.data<{ job: unknown }>(`query ($id: ID!) { job(id: $id) { id media { url } } }`, { id: job.id });
    expect(seen).toBeNull();
  });
});

describe("limits and cleanup", () => {
  it("refuses an upload that would pass the member's quota, counting what is reserved", async () => {
    const ann = await registerUser();
    const path = await flat(dir, "q.png", 100, 100, "png");
    const big = 25 * 1024 * 1024; // 20 of these fill the default 500 MB quota
    for (let i = 0; i < 20; i++) {
      const res = await createUpload(ann, path, { contentType: "image/png", byteSize: big });
      expect(res.errors).toEqual([]);
    }
    const over = await createUpload(ann, path, { contentType: "image/png", byteSize: 1024 });
    expect(over).toEqual({
      upload: null,
      errors: [{ code: "QUOTA_EXCEEDED", field: "input.byteSize", message: expect.stringMatching(/storage past 500 MB/) }],
    });
    // A bad filename is another refusal, with its own code: a client can tell the two apart.
    const badName = await createUpload(ann, path, { contentType: "image/png", byteSize: 1024, filename: "bad\u0000.png" });
    expect(badName).toEqual({ upload: null, errors: [expect.objectContaining({ code: "INVALID_INPUT", field: "input.filename" })] });
    const [stored] = await db<{ n: number }[]>`select count(*)::int as n from media.media where owner_id = ${ann.id}`;
    expect(stored!.n).toBe(20); // nothing recorded for the refusals
  });

  it("refuses a listing photo past the listing's limit, with its own code", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const path = await flat(dir, "many.png", 100, 100, "png");
    const options = { purpose: "LISTING_PHOTO", listingId: listing.id, contentType: "image/png" } as const;
    for (let i = 0; i < 12; i++) expect((await createUpload(ann, path, options)).errors).toEqual([]);
    const more = await createUpload(ann, path, options);
    expect(more).toEqual({ upload: null, errors: [expect.objectContaining({ code: "TOO_MANY_PHOTOS", field: "input.listingId" })] });
    // Another listing of hers still takes one (the positive control).
    const other = await createUpload(ann, path, { ...options, listingId: (await createListing(ann)).id });
    expect(other.errors).toEqual([]);
  });

  it("cleans up abandoned uploads, photos of archived listings and stray blobs", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const archivedPhoto = await photo(ann, listing.id, 300);
    const other = await createListing(ann);
    const keptPhoto = await photo(ann, other.id, 300);
    const abandoned = (await createUpload(ann, await flat(dir, "x.png", 100, 100, "png"), { contentType: "image/png" })).upload!;
    await db`update media.media set upload_expires_at = now() - interval '1 minute' where id = ${abandoned.media.id}`;
    const strayId = randomUUID();
    const strayDir = join(inject("dataDir"), "media", "staging");
    await mkdir(strayDir, { recursive: true });
    await writeFile(join(strayDir, strayId), "left by a crash");
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(strayDir, strayId), hourAgo, hourAgo);
    await ann.client.data(ARCHIVE, { id: listing.id });

    // What this test left is gone afterwards. The counts the mutation answers are not read: another
    // test's cleanup may run at the same time and sweep some of this test's leftovers first.
    await asService("media", `mutation { runMediaCleanup { abandonedUploads failedMedia photosOfGoneListings strayBlobs } }`);
    expect(await storedBlobsOf(abandoned.media.id)).toEqual([]);
    expect(await storedBlobsOf(archivedPhoto.id)).toEqual([]);
    expect(await storedBlobsOf(strayId)).toEqual([]);
    expect(await db`select 1 from media.media where id in ${db([abandoned.media.id, archivedPhoto.id])}`).toHaveLength(0);
    expect(await photoIds(ann.client, other.id)).toEqual([keptPhoto.id]);
    expect(await storedBlobsOf(keptPhoto.id)).not.toEqual([]);
  });
});

describe("reading photos and avatars in pages", () => {
  it("costs the media subgraph as many SQL statements for a page of 50 listings as for a page of 10", async () => {
    const word = `zqphoto${randomUUID()
      .replace(/[^a-z]/g, "")
      .slice(0, 8)}`;
    const owners = await Promise.all(Array.from({ length: 5 }, () => registerUser()));
    const listings = (await Promise.all(owners.flatMap((o) => Array.from({ length: 10 }, (_, i) => createListing(o, { title: `${word} item ${i}` }))))).map(
      (l) => l.id,
    );
    await photo(owners[0]!, listings[0]!, 300);
    await photo(owners[1]!, listings[12]!, 300);
    const avatar = await uploadDirect(owners[2]!, await flat(dir, "av.png", 300, 300, "png"), { contentType: "image/png" });
    await untilJobEnds(owners[2]!, avatar.media!.job!.id);

    // One page of search results: listings of five owners, each with photos and its owner's avatar.
    const page = (first: number) =>
      new GatewayClient().request<{ search: { totalCount: number; edges: unknown[] } }>(
        `query ($q: String!, $first: Int!) { search(query: $q, first: $first) { totalCount edges { node {
          photos { thumbnail: url(variant: THUMBNAIL) } owner { avatar { url } } } } } }`,
        { q: word, first },
      );
    for (let i = 0; i < 150 && (await page(50)).data?.search.totalCount !== 50; i++) await new Promise((r) => setTimeout(r, 100));
    const metrics = inject("subgraphUrls").media!.replace(/\/graphql$/, "/metrics");
    const statements = () => sqlStatements(metrics, "localex-media");
    const cost = async (first: number) => {
      const before = await statements();
      const res = await page(first);
      expect(res.errors).toBeUndefined();
      expect(res.data!.search.edges).toHaveLength(first);
      return (await statements()) - before;
    };
    const ten = await cost(10);
    const fifty = await cost(50);
    expect(ten).toBeGreaterThan(0);
    expect(fifty).toBe(ten);
  });
});
