// "My files" (issue 22): a member's storage use against their quota, the figure the quota check
// enforces; their own media, newest first, paged and filtered by purpose; media(id) for their
// own. Nobody else (nor anyone signed out) sees any of it.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { createListing } from "../listings/helpers.ts";
import { flat, pdf } from "./image-fixtures.ts";
import { createUpload, storedBlobsOf, untilJobEnds, uploadDirect } from "./helpers.ts";

let dir: string;
/** Any PNG: createUpload reserves the declared size, and nothing is PUT. */
let png: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-my-files-test-"));
  png = await flat(dir, "reserved.png", 60, 40, "png");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The graph's default MEDIA_QUOTA_BYTES (the harness leaves it unset). */
const QUOTA = 500 * 1024 * 1024;
/** The graph's default MEDIA_MAX_IMAGE_BYTES: the most one upload may reserve. */
const MAX_IMAGE = 25 * 1024 * 1024;

const STORAGE = `query ($id: ID!) { user(id: $id) { id storage { usedBytes quotaBytes } } }`;
const MY_MEDIA = `query ($id: ID!, $first: Int, $after: String, $purpose: UploadPurpose) {
  user(id: $id) { id media(first: $first, after: $after, purpose: $purpose) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id purpose status } } } } }`;
const ONE = `query ($id: ID!) { media(id: $id) { id purpose status } }`;
const DELETE_MEDIA = `mutation ($id: ID!) { deleteMedia(id: $id) { deleted errors { code field } } }`;

type Storage = { usedBytes: number; quotaBytes: number } | null;
type Page = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string; purpose: string; status: string } }[];
};

const storageOf = async (client: GatewayClient, userId: string): Promise<Storage> =>
  (await client.data<{ user: { storage: Storage } }>(STORAGE, { id: userId })).user.storage;
const mediaOf = async (client: GatewayClient, userId: string, args: Record<string, unknown> = {}): Promise<Page> =>
  (await client.data<{ user: { media: Page } }>(MY_MEDIA, { id: userId, ...args })).user.media;
const ids = (page: Page) => page.edges.map((e) => e.node.id);

/** A PENDING upload of the member's (createUpload only: nothing to process). */
async function reserve(
  user: TestUser,
  byteSize: number,
  options: { purpose?: "AVATAR" | "DOCUMENT" | "LISTING_PHOTO"; listingId?: string } = {},
): Promise<string> {
  const created = await createUpload(user, png, { contentType: "image/png", byteSize, purpose: options.purpose ?? "AVATAR", listingId: options.listingId });
  expect(created.errors).toEqual([]);
  return created.upload!.media.id;
}

describe("User.storage", () => {
  it("shows exactly the bytes the quota check counts: 0, then what a READY upload stores, then less after deleteMedia", async () => {
    const ann = await registerUser();
    expect(await storageOf(ann.client, ann.id)).toEqual({ usedBytes: 0, quotaBytes: QUOTA });

    // While PENDING an upload counts with its declared size; once READY, with what is stored.
    const path = await flat(dir, "mine.png", 640, 480, "png");
    const { media, errors } = await uploadDirect(ann, path, { contentType: "image/png" });
    expect(errors).toEqual([]);
    const job = await untilJobEnds(ann, media!.job!.id);
    expect(job.status).toBe("SUCCEEDED");
    // The photo's variants as the disk store holds them (not the staging copy, nor the store's own metadata files).
    const variants = (await storedBlobsOf(media!.id)).filter((key) => key.startsWith("public/") && !key.endsWith(".meta.json"));
    expect(variants.length).toBeGreaterThan(0);
    const root = join(inject("dataDir"), "media");
    const stored = (await Promise.all(variants.map(async (key) => (await stat(join(root, key))).size))).reduce((a, b) => a + b, 0);
    expect(await storageOf(ann.client, ann.id)).toEqual({ usedBytes: stored, quotaBytes: QUOTA });

    // The figure shown is the one enforced: reserve up to the quota's last byte, one byte more is refused.
    let used = stored;
    while (QUOTA - used > MAX_IMAGE) {
      await reserve(ann, MAX_IMAGE);
      used += MAX_IMAGE;
    }
    const left = QUOTA - used;
    expect((await storageOf(ann.client, ann.id))!.usedBytes).toBe(QUOTA - left);
    const over = await createUpload(ann, path, { contentType: "image/png", byteSize: left + 1 });
    expect(over.errors).toEqual([expect.objectContaining({ code: "QUOTA_EXCEEDED", field: "input.byteSize" })]);
    await reserve(ann, left);
    expect(await storageOf(ann.client, ann.id)).toEqual({ usedBytes: QUOTA, quotaBytes: QUOTA });

    // deleteMedia gives back exactly what the photo stored, and the quota check sees it at once.
    const deleted = await ann.client.data<{ deleteMedia: { deleted: boolean } }>(DELETE_MEDIA, { id: media!.id });
    expect(deleted.deleteMedia.deleted).toBe(true);
    expect(await storageOf(ann.client, ann.id)).toEqual({ usedBytes: QUOTA - stored, quotaBytes: QUOTA });
    const overAgain = await createUpload(ann, path, { contentType: "image/png", byteSize: stored + 1 });
    expect(overAgain.errors).toEqual([expect.objectContaining({ code: "QUOTA_EXCEEDED" })]);
    await reserve(ann, stored);
    expect((await storageOf(ann.client, ann.id))!.usedBytes).toBe(QUOTA);
  });

  it("is null for another member and for anyone signed out; its owner sees it", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    await reserve(ann, 1234);
    expect(await storageOf(ann.client, ann.id)).toEqual({ usedBytes: 1234, quotaBytes: QUOTA });
    expect(await storageOf(bob.client, ann.id)).toBeNull();
    expect(await storageOf(new GatewayClient(), ann.id)).toBeNull();
    const me = await ann.client.data<{ me: { storage: Storage } }>(`{ me { storage { usedBytes } } }`);
    expect(me.me.storage).toEqual({ usedBytes: 1234 });
  });
});

describe("User.media", () => {
  it("lists the member's own media newest first, in pages, and nothing deleted", async () => {
    const ann = await registerUser();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await reserve(ann, 1000 + i));
    const newestFirst = [...created].reverse();

    const first = await mediaOf(ann.client, ann.id, { first: 2 });
    expect(ids(first)).toEqual(newestFirst.slice(0, 2));
    expect(first).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const second = await mediaOf(ann.client, ann.id, { first: 2, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(newestFirst.slice(2, 4));
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const third = await mediaOf(ann.client, ann.id, { first: 2, after: second.pageInfo.endCursor });
    expect(ids(third)).toEqual(newestFirst.slice(4));
    expect(third.pageInfo.hasNextPage).toBe(false);

    const deleted = await ann.client.data<{ deleteMedia: { deleted: boolean } }>(DELETE_MEDIA, { id: created[2] });
    expect(deleted.deleteMedia.deleted).toBe(true);
    const after = await mediaOf(ann.client, ann.id);
    expect(ids(after)).toEqual(newestFirst.filter((id) => id !== created[2]));
    expect(after.totalCount).toBe(4);
  });

  it("filters by purpose", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const photo = await reserve(ann, 2000, { purpose: "LISTING_PHOTO", listingId: listing.id });
    const avatar = await reserve(ann, 2000, { purpose: "AVATAR" });
    const created = await createUpload(ann, await pdf(dir, "id.pdf"), { purpose: "DOCUMENT", contentType: "application/pdf" });
    expect(created.errors).toEqual([]);
    const document = created.upload!.media.id;

    expect(ids(await mediaOf(ann.client, ann.id))).toEqual([document, avatar, photo]);
    for (const [purpose, id] of [
      ["LISTING_PHOTO", photo],
      ["AVATAR", avatar],
      ["DOCUMENT", document],
    ] as const) {
      const page = await mediaOf(ann.client, ann.id, { purpose });
      expect(page.edges.map((e) => e.node)).toEqual([{ id, purpose, status: "PENDING" }]);
      expect(page.totalCount).toBe(1);
    }
  });

  it("is empty for another member and for anyone signed out; its owner sees it", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const mine = await reserve(ann, 3000);
    expect(ids(await mediaOf(ann.client, ann.id))).toEqual([mine]);
    for (const client of [bob.client, new GatewayClient()]) {
      expect(await mediaOf(client, ann.id)).toEqual({
        totalCount: 0,
        pageInfo: { hasNextPage: false, hasPreviousPage: false, endCursor: null },
        edges: [],
      });
    }
  });

  it("refuses a cursor that is not from this list with BAD_USER_INPUT naming after", async () => {
    const ann = await registerUser();
    await reserve(ann, 1000);
    const good = await mediaOf(ann.client, ann.id, { first: 1 });
    expect(good.edges).toHaveLength(1); // the positive control on the same path
    for (const after of ["nonsense", Buffer.from('["NEWEST",1,"x"]').toString("base64url"), Buffer.from('["yesterday","x"]').toString("base64url")]) {
      const res = await ann.client.request(MY_MEDIA, { id: ann.id, after });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
  });
});

describe("Query.media", () => {
  it("answers the caller's own media at any stage, and null for anyone else's or an unknown id", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const pending = await reserve(ann, 1000);
    expect((await ann.client.data<{ media: unknown }>(ONE, { id: pending })).media).toEqual({ id: pending, purpose: "AVATAR", status: "PENDING" });
    // A READY public avatar too: media(id) is for one's own files, not a way to look up others'.
    const { media } = await uploadDirect(ann, await flat(dir, "avatar.png", 200, 200, "png"), { contentType: "image/png" });
    expect((await untilJobEnds(ann, media!.job!.id)).status).toBe("SUCCEEDED");
    expect((await ann.client.data<{ media: { status: string } }>(ONE, { id: media!.id })).media.status).toBe("READY");
    for (const client of [bob.client, new GatewayClient()]) {
      for (const id of [pending, media!.id]) expect((await client.data<{ media: unknown }>(ONE, { id })).media).toBeNull();
    }
    expect((await ann.client.data<{ media: unknown }>(ONE, { id: randomUUID() })).media).toBeNull();
    expect((await ann.client.data<{ media: unknown }>(ONE, { id: "not-an-id" })).media).toBeNull();
  });
});
