// File uploads through the gateway (GraphQL multipart requests), as a front-end sends them:
// the gateway checks the request, then streams each file on to the media subgraph.
import { request as httpRequest } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser, type TestUser } from "../harness/client.ts";
import { createListing } from "../listings/helpers.ts";
import { multipartBody, noise, postMultipart, type FilePart } from "./multipart-client.ts";

/** The graph's default MEDIA_MAX_IMAGE_BYTES (the harness leaves it unset). */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

const MEDIA = `id status contentType byteSize width height job { id status }`;
const UPLOAD_AVATAR = `mutation ($file: Upload!) { uploadAvatar(file: $file) { media { ${MEDIA} } errors { code message field } } }`;

interface Media {
  id: string;
  status: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  job: { id: string; status: string } | null;
}
interface MediaPayload {
  media: Media | null;
  errors: { code: string; message: string; field: string | null }[];
}

let dir: string;
let gateway: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-gateway-uploads-"));
  gateway = inject("gatewayUrl");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A photo-like image (noise, so it compresses like one), as the bytes of a file. */
function photo(width: number, height: number, format: "png" | "jpeg"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } })
    .toFormat(format)
    .toBuffer();
}

function filePart(field: string, filename: string, content: FilePart["content"], contentType = "image/png"): FilePart {
  return { field, filename, contentType, content };
}

function uploadAvatar(user: TestUser, content: FilePart["content"], extra: Partial<Parameters<typeof postMultipart>[1]> = {}) {
  return postMultipart<{ uploadAvatar: MediaPayload }>(gateway, {
    operations: { query: UPLOAD_AVATAR, variables: { file: null } },
    map: { "0": ["variables.file"] },
    files: [filePart("0", "me.png", content)],
    token: user.accessToken,
    ...extra,
  });
}

function uploadPhoto(user: TestUser, listingId: string, content: FilePart["content"]) {
  return postMultipart<{ uploadListingPhoto: MediaPayload }>(gateway, {
    operations: {
      query: `mutation ($listing: ID!, $file: Upload!) { uploadListingPhoto(listingId: $listing, file: $file) { media { ${MEDIA} } errors { code message field } } }`,
      variables: { listing: listingId, file: null },
    },
    map: { "0": ["variables.file"] },
    files: [filePart("0", "photo.png", content)],
    token: user.accessToken,
  });
}

async function photosOf(user: TestUser, listingId: string): Promise<{ id: string; status: string }[]> {
  const { listing } = await user.client.data<{ listing: { photos: { id: string; status: string }[] } }>(
    `query ($id: ID!) { listing(id: $id) { photos { id status } } }`,
    { id: listingId },
  );
  return listing.photos;
}

/** Polls the media (through its job) until processing ends, within a deadline. */
async function untilProcessed(user: TestUser, jobId: string, timeoutMs = 60_000): Promise<Media & { thumbnail: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await user.client.data<{ job: { status: string; media: (Media & { thumbnail: string | null }) | null } | null }>(
      `query ($id: ID!) { job(id: $id) { status media { ${MEDIA} thumbnail: url(variant: THUMBNAIL) } } }`,
      { id: jobId },
    );
    if (job && (job.status === "SUCCEEDED" || job.status === "FAILED")) return job.media!;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stillServes(user: TestUser): Promise<void> {
  const { me } = await user.client.data<{ me: { id: string } }>(`{ me { id } }`);
  expect(me.id).toBe(user.id);
}

describe("uploads through the gateway", () => {
  it("sets an avatar from a real PNG: PENDING with a job, then READY with a WebP thumbnail", async () => {
    const ann = await registerUser();
    const png = await photo(640, 480, "png");
    const res = await uploadAvatar(ann, png);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const { media, errors } = res.data!.uploadAvatar;
    expect(errors).toEqual([]);
    expect(media).toMatchObject({ status: "PENDING", contentType: "image/png", byteSize: png.length, job: { id: expect.any(String) } });

    const processed = await untilProcessed(ann, media!.job!.id);
    expect(processed).toMatchObject({ id: media!.id, status: "READY", width: 640, height: 480 });
    const { me } = await ann.client.data<{ me: { avatar: { status: string; url: string } | null } }>(`{ me { avatar { status url(variant: THUMBNAIL) } } }`);
    expect(me.avatar).toMatchObject({ status: "READY" });
    const thumbnail = await fetch(me.avatar!.url);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: "webp", width: 300, height: 225 });
  });

  it("reads two files the plan needs in the opposite order to the one they arrive in", async () => {
    const ben = await registerUser();
    const listing = await createListing(ben);
    const png = await photo(640, 480, "png");
    const jpeg = await photo(800, 600, "jpeg");
    const upload = (alias: string, variable: string) =>
      `${alias}: uploadListingPhoto(listingId: $listing, file: $${variable}) { media { ${MEDIA} } errors { code message field } }`;
    const res = await postMultipart<{ first: MediaPayload; second: MediaPayload }>(gateway, {
      operations: {
        query: `mutation ($listing: ID!, $second: Upload!, $first: Upload!) { ${upload("first", "first")} ${upload("second", "second")} }`,
        variables: { listing: listing.id, first: null, second: null },
      },
      // The second photo's bytes come first in the body; the mutation reads `first` first.
      map: { "0": ["variables.second"], "1": ["variables.first"] },
      files: [filePart("0", "second.jpg", jpeg, "image/jpeg"), filePart("1", "first.png", png)],
      token: ben.accessToken,
    });
    expect(res.errors).toBeUndefined();
    const { first, second } = res.data!;
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    expect(first.media).toMatchObject({ contentType: "image/png", byteSize: png.length });
    expect(second.media).toMatchObject({ contentType: "image/jpeg", byteSize: jpeg.length });
    expect(await untilProcessed(ben, first.media!.job!.id)).toMatchObject({ status: "READY", width: 640, height: 480 });
    expect(await untilProcessed(ben, second.media!.job!.id)).toMatchObject({ status: "READY", width: 800, height: 600 });

    expect((await photosOf(ben, listing.id)).map((p) => p.id)).toEqual([first.media!.id, second.media!.id]);
  });

  it("refuses a multipart request without a preflight header (CSRF), before reading it", async () => {
    const cleo = await registerUser();
    const res = await uploadAvatar(cleo, await photo(64, 64, "png"), { preflight: false });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "BAD_REQUEST" } });
    expect(res.errors?.[0]?.message).toMatch(/Apollo-Require-Preflight/);
    expect(res.data).toBeUndefined();
  });

  it("refuses a file over the size limit with 413 while it streams in, records nothing, and serves on", async () => {
    const dev = await registerUser();
    const listing = await createListing(dev, {}, { draft: true });
    // Chunked, so there is no Content-Length to judge it by: the limit is met mid-stream.
    const res = await uploadPhoto(dev, listing.id, noise(MAX_FILE_BYTES + 2 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ extensions: { code: "PAYLOAD_TOO_LARGE" } });
    expect(res.errors![0]!.message).toMatch(/“photo\.png” is larger than 25 MB/);
    expect(await photosOf(dev, listing.id)).toEqual([]);
    await stillServes(dev);
    const again = await uploadPhoto(dev, listing.id, await photo(64, 64, "png"));
    expect(again.data?.uploadListingPhoto.errors).toEqual([]);
    expect(await photosOf(dev, listing.id)).toHaveLength(1);
  });

  it("answers a refusal the subgraph makes without reading the file, while the file is still coming", async () => {
    const owner = await registerUser();
    const other = await registerUser();
    const listing = await createListing(owner);
    const res = await uploadPhoto(other, listing.id, noise(20 * 1024 * 1024));
    expect(res.status).toBe(200);
    expect(res.data?.uploadListingPhoto).toEqual({ media: null, errors: [expect.objectContaining({ code: "FORBIDDEN", field: "listingId" })] });
    expect(await photosOf(owner, listing.id)).toEqual([]);
    await stillServes(other);
  });

  it("records nothing when the client goes away mid-upload, and serves on", async () => {
    const kim = await registerUser();
    const listing = await createListing(kim, {}, { draft: true });
    const cutOff = async function* () {
      yield* noise(4 * 1024 * 1024)();
      throw new Error("the client went away");
    };
    await expect(uploadPhoto(kim, listing.id, cutOff)).rejects.toThrow();
    await stillServes(kim);
    expect(await photosOf(kim, listing.id)).toEqual([]);
  });

  it("refuses a request whose declared length is over the limits with 413, before reading the body", async () => {
    const eve = await registerUser();
    const declared = 4 * MAX_FILE_BYTES + 4 * 1024 * 1024;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(gateway, {
        method: "POST",
        headers: {
          "content-type": "multipart/form-data; boundary=x",
          "content-length": String(declared),
          "apollo-require-preflight": "true",
          authorization: `Bearer ${eve.accessToken}`,
        },
      });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write("--x\r\n"); // the rest never comes: the answer must not wait for it
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    await stillServes(eve);
  });

  it("refuses more files than allowed with 413, and a client still sending reads the answer on an open connection", async () => {
    const fay = await registerUser();
    const png = await photo(32, 32, "png");
    const fields = ["0", "1", "2", "3", "4"];
    const parts: Buffer[] = [];
    for await (const chunk of multipartBody("x", {
      operations: { query: `mutation ($files: [Upload!]!) { __typename }`, variables: { files: fields.map(() => null) } },
      map: Object.fromEntries(fields.map((f, i) => [f, [`variables.files.${i}`]])),
      files: fields.map((f) => filePart(f, `${f}.png`, png)),
    }))
      parts.push(chunk);
    const body = Buffer.concat(parts);
    // The fifth file's header is what is refused: everything after it is sent only once the
    // answer has come (a browser's upload is usually still going then), in a few writes, and
    // none of them may meet a reset connection.
    const cut = body.indexOf(Buffer.from('name="4"')) + 200;
    const answer = await new Promise<{ status: number; body: string; cutOff: boolean }>((resolve, reject) => {
      const req = httpRequest(gateway, {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=x", "apollo-require-preflight": "true", authorization: `Bearer ${fay.accessToken}` },
      });
      req.on("error", reject);
      req.on("response", (res) => {
        let text = "";
        let sent = false;
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.socket.once("close", () => resolve({ status: res.statusCode ?? 0, body: text, cutOff: !sent }));
        const sendRest = async () => {
          for (let at = cut; at < body.length && !req.destroyed; at += 64) {
            await new Promise((r) => setTimeout(r, 10));
            req.write(body.subarray(at, at + 64));
          }
          req.end(() => {
            sent = true;
            res.socket.destroy();
          });
        };
        res.on("end", () => void sendRest());
      });
      req.write(body.subarray(0, cut));
    });
    expect(answer.cutOff).toBe(false);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors?.[0]).toMatchObject({
      message: "At most 4 file(s) may be uploaded in one request.",
      extensions: { code: "PAYLOAD_TOO_LARGE" },
    });
    await stillServes(fay);
  });

  it("refuses one file mapped to two variables, and a file mapped into the query, with 400", async () => {
    const gus = await registerUser();
    const listing = await createListing(gus, {}, { draft: true });
    const png = await photo(32, 32, "png");
    const twice = await postMultipart(gateway, {
      operations: {
        query: `mutation ($l: ID!, $a: Upload!, $b: Upload!) { a: uploadListingPhoto(listingId: $l, file: $a) { errors { code } } b: uploadListingPhoto(listingId: $l, file: $b) { errors { code } } }`,
        variables: { l: listing.id, a: null, b: null },
      },
      map: { "0": ["variables.a", "variables.b"] },
      files: [filePart("0", "a.png", png)],
      token: gus.accessToken,
    });
    expect(twice.status).toBe(400);
    expect(twice.errors?.[0]).toMatchObject({ message: expect.stringMatching(/more than one variable/), extensions: { code: "BAD_REQUEST" } });

    const intoQuery = await postMultipart(gateway, {
      operations: { query: "", variables: {} },
      map: { "0": ["query"] },
      files: [filePart("0", "a.png", png)],
      token: gus.accessToken,
    });
    expect(intoQuery.status).toBe(400);
    expect(intoQuery.errors?.[0]).toMatchObject({ message: "Files may only be mapped to variables.", extensions: { code: "BAD_REQUEST" } });

    expect(await photosOf(gus, listing.id)).toEqual([]);
  });

  it("still answers JSON requests as before, on both paths", async () => {
    const hal = await registerUser();
    await stillServes(hal);
    const atRoot = await fetch(new URL("/", gateway), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${hal.accessToken}` },
      body: JSON.stringify({ query: `{ me { id displayName } }` }),
    });
    expect(atRoot.status).toBe(200);
    expect(await atRoot.json()).toEqual({ data: { me: { id: hal.id, displayName: hal.displayName } } });
    // A JSON body over 1 MiB is still refused.
    const big = await hal.client.request(`query ($x: String) { me { id } }`, { x: "x".repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
  });

  it("serves the same upload at `/` as at `/graphql`", async () => {
    const ida = await registerUser();
    const png = await photo(48, 48, "png");
    const res = await postMultipart<{ uploadAvatar: MediaPayload }>(new URL("/", gateway).toString(), {
      operations: { query: UPLOAD_AVATAR, variables: { file: null } },
      map: { "0": ["variables.file"] },
      files: [filePart("0", "me.png", { path: await writeTemp("root.png", png) })],
      token: ida.accessToken,
    });
    expect(res.data?.uploadAvatar).toMatchObject({ errors: [], media: { status: "PENDING", byteSize: png.length } });
  });
});

async function writeTemp(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}
