// Slow uploads (security issue 20). Uploads that trickle in a few bytes a second must not hold
// the gateway's connections to media (every member's avatars, photos and jobs would queue
// behind them), nor the media subgraph's presigned PUT route, and one member cannot hold many.
// The pace and the limits are read at start-up and the harness's graph keeps the defaults, so
// this file starts a media subgraph of its own and two gateways (pieces.ts) with a small pace,
// on the harness's database and data folder, the other subgraphs shared; the two gateways count
// each member's uploads together in a Redis of this file's own (when redis-server is installed).
// A logger on loopback in front of the media subgraph counts the uploads in flight to it.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { eventually } from "../harness/eventually.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { TEST_RATE_LIMITS, testGraphEnvironment } from "../harness/secrets.ts";
import { hasRedisServer, startRedisServer, type StandIn } from "../harness/stand-ins.ts";
import { createListing } from "../listings/helpers.ts";
import { COMPLETE_UPLOAD, createUpload, putBytes, storedBlobsOf, type MediaPayloadData } from "./helpers.ts";
import { postMultipart } from "./multipart-client.ts";
import { multipartHead, Trickle } from "./trickle-client.ts";

/** The gateways' connections to each subgraph for operations: fewer than the uploads opened below. */
const ORDINARY_CONNECTIONS = 4;
const CAP = 3;
const PACE = { UPLOAD_MIN_BYTES_PER_SECOND: "16", UPLOAD_RATE_WINDOW_SECONDS: "3", UPLOAD_MAX_SECONDS: "600" };
/** Well over the pace (128 bytes a second), and well under it (1). */
const keepUp = (t: Trickle) => t.pace(32, 250);
const fallBehind = (t: Trickle) => t.pace(1, 1_000);

const UPLOAD_PHOTO = `mutation ($listing: ID!, $file: Upload!) { uploadListingPhoto(listingId: $listing, file: $file) { media { id status } errors { code message } } }`;
const PHOTOS = `query ($id: ID!) { listing(id: $id) { id photos { id } } }`;

/** Counts the multipart requests in flight through it (started, not yet answered); streams everything as it comes. */
class UploadLogger {
  uploads = 0;
  url = "";
  private server!: Server;
  private readonly agent = new Agent({ keepAlive: true });

  async start(target: string): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.headers["content-type"]?.startsWith("multipart/")) {
        this.uploads++;
        res.once("close", () => this.uploads--);
      }
      const upstream = httpRequest(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers, agent: this.agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.on("close", () => {
        if (!req.complete) upstream.destroy();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const logger = new UploadLogger();
let redis: StandIn | undefined;
let media: Piece | undefined;
const gatewayPieces: Piece[] = [];
/** The gateways' GraphQL URLs: two when they can share a Redis, else one. */
const gateways: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-slow-uploads-"));
  redis = hasRedisServer ? await startRedisServer() : undefined;
  const urls = inject("subgraphUrls");
  const mediaPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...testGraphEnvironment(),
    ...TEST_RATE_LIMITS,
    ...PACE,
    DATABASE_URL: inject("databaseUrl"),
    DATABASE_POOL_SIZE: "3",
    DATA_DIR: inject("dataDir"),
    REDIS_URL: redis?.url ?? "",
    REDIS_PREFIX: `localex-slow-uploads-${randomBytes(6).toString("hex")}:`,
    HOST: "127.0.0.1",
    SUBGRAPH_HOST: "127.0.0.1",
    SUBGRAPH_TIMEOUT_SECONDS: "10",
    GATEWAY_SUBGRAPH_CONNECTIONS: String(ORDINARY_CONNECTIONS),
    GATEWAY_UPLOAD_CONNECTIONS: "16",
    UPLOAD_CONCURRENCY_PER_MEMBER: String(CAP),
    IDENTITY_URL: urls.identity,
    LISTINGS_URL: urls.listings,
    TRADES_URL: urls.trades,
    LEDGER_URL: urls.ledger,
    MEDIA_URL: `http://127.0.0.1:${mediaPort}/graphql`,
    SEARCH_URL: urls.search,
  };
  media = servePiece("media", { ...env, MEDIA_PORT: String(mediaPort) });
  await untilHealthy(`http://127.0.0.1:${mediaPort}/healthz`, media);
  await logger.start(`http://127.0.0.1:${mediaPort}`);
  for (let i = 0; i < (redis ? 2 : 1); i++) {
    const port = await freePort();
    const piece = servePiece("gateway", { ...env, PORT: String(port), MEDIA_URL: logger.url });
    gatewayPieces.push(piece);
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, piece);
    gateways.push(`http://127.0.0.1:${port}/graphql`);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(gatewayPieces.map((piece) => stopPiece(piece)));
  await logger.close();
  await stopPiece(media);
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

/** A member, with a draft listing to add photos to, talking to the first of this file's gateways. */
async function member(): Promise<TestUser & { listingId: string }> {
  const user = await registerUser();
  const listing = await createListing(user, {}, { draft: true });
  return { ...user, client: new GatewayClient(gateways[0], user.accessToken), listingId: listing.id };
}

/** A photo upload that sends everything up to the file's first byte at once, then trickles. */
function trickleUpload(gateway: string, user: { accessToken?: string; listingId: string }): Trickle {
  const boundary = `----trickle-${randomBytes(8).toString("hex")}`;
  return new Trickle(gateway, {
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "apollo-require-preflight": "true",
      ...(user.accessToken ? { authorization: `Bearer ${user.accessToken}` } : {}),
    },
    head: multipartHead(boundary, { query: UPLOAD_PHOTO, variables: { listing: user.listingId, file: null } }),
  });
}

function photo(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: "#3a6" } })
    .png()
    .toBuffer();
}

async function uploadPhoto(gateway: string, user: TestUser & { listingId: string }) {
  return postMultipart<{ uploadListingPhoto: { media: { id: string; status: string } | null; errors: { code: string }[] } }>(gateway, {
    operations: { query: UPLOAD_PHOTO, variables: { listing: user.listingId, file: null } },
    map: { "0": ["variables.file"] },
    files: [{ field: "0", filename: "photo.png", contentType: "image/png", content: await photo() }],
    token: user.accessToken,
  });
}

async function photosOf(user: TestUser & { listingId: string }): Promise<string[]> {
  const { listing } = await user.client.data<{ listing: { photos: { id: string }[] } }>(PHOTOS, { id: user.listingId });
  return listing.photos.map((p) => p.id);
}

/**
 * `work`, or a failure naming `what` after `ms`: a bound for a broken graph, never a timing
 * assertion. (A fetch queued behind busy connections waits for one, past SUBGRAPH_TIMEOUT:
 * undici applies an abort only once a queued request has a connection.)
 */
async function within<T>(what: string, work: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const tooSlow = { status: 408, errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: "UPLOAD_TOO_SLOW" }) })] };

async function untilNoUploadsAtMedia(): Promise<void> {
  await eventually(
    "uploads in flight at media",
    async () => logger.uploads,
    (n) => n === 0,
  );
}

describe("slow uploads", () => {
  it("answers media queries while trickling uploads outnumber the gateway's connections, then refuses each upload once it falls behind, storing nothing", async () => {
    const owner = await member();
    expect((await uploadPhoto(gateways[0]!, owner)).data?.uploadListingPhoto.errors).toEqual([]);
    const before = await owner.client.data(PHOTOS, { id: owner.listingId }); // the positive control: same query, nothing in flight
    expect(before).toMatchObject({ listing: { photos: [expect.anything()] } });

    const uploaders = [await member(), await member(), await member()];
    const trickles = uploaders.flatMap((u) => Array.from({ length: CAP }, (_, i) => keepUp(trickleUpload(gateways[i % gateways.length]!, u))));
    expect(trickles.length).toBeGreaterThan(ORDINARY_CONNECTIONS);
    await eventually(
      "uploads in flight at media",
      async () => logger.uploads,
      (n) => n >= ORDINARY_CONNECTIONS,
    );
    expect(trickles.filter((t) => t.answered())).toEqual([]);

    expect(await within("the media query while uploads are open", owner.client.data(PHOTOS, { id: owner.listingId }))).toEqual(before);
    expect(trickles.filter((t) => t.answered())).toEqual([]); // still open when the query was answered

    trickles.forEach(fallBehind);
    for (const answer of await Promise.all(trickles.map((t) => t.answer))) expect(answer).toMatchObject(tooSlow);
    await untilNoUploadsAtMedia();
    for (const uploader of uploaders) expect(await photosOf(uploader)).toEqual([]);
    // The same member's next upload, at full speed, is stored: nothing of the refused ones was counted.
    expect((await uploadPhoto(gateways[0]!, uploaders[0]!)).data?.uploadListingPhoto.errors).toEqual([]);
    expect(await photosOf(uploaders[0]!)).toHaveLength(1);
  }, 120_000);

  it("refuses a member's upload beyond UPLOAD_CONCURRENCY_PER_MEMBER, on any gateway, before reading it; accepts one once the first ones end", async () => {
    const ann = await member();
    await untilNoUploadsAtMedia();
    const open = Array.from({ length: CAP }, (_, i) => keepUp(trickleUpload(gateways[i % gateways.length]!, ann)));
    await eventually(
      "uploads in flight at media",
      async () => logger.uploads,
      (n) => n === CAP,
    );

    // The one too many: its headers and the start of its body, and nothing after.
    const extra = trickleUpload(gateways.at(-1)!, ann);
    expect(await extra.answer).toMatchObject({
      status: 429,
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: "TOO_MANY_UPLOADS" }) })],
    });
    expect(open.filter((t) => t.answered())).toEqual([]);

    open.forEach(fallBehind);
    for (const answer of await Promise.all(open.map((t) => t.answer))) expect(answer).toMatchObject(tooSlow);
    const again = await uploadPhoto(gateways.at(-1)!, ann);
    expect(again.data?.uploadListingPhoto).toMatchObject({ errors: [], media: { status: "PENDING" } });
    expect(await photosOf(ann)).toEqual([again.data!.uploadListingPhoto.media!.id]);
  }, 120_000);

  it("refuses an upload whose operation arrives too slowly, before it reaches media", async () => {
    const ben = await member();
    const boundary = "----slow-operations";
    const slow = new Trickle(gateways[0]!, {
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "apollo-require-preflight": "true", authorization: `Bearer ${ben.accessToken}` },
      head: `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n`,
    }).pace(1, 1_000);
    expect(await slow.answer).toMatchObject(tooSlow);
    expect(await photosOf(ben)).toEqual([]);
    expect((await uploadPhoto(gateways[0]!, ben)).data?.uploadListingPhoto.errors).toEqual([]);
  }, 60_000);

  it("refuses an anonymous upload before reading it; the same request signed in is accepted", async () => {
    const cleo = await member();
    const anonymous = trickleUpload(gateways[0]!, { listingId: cleo.listingId });
    expect(await anonymous.answer).toMatchObject({
      status: 401,
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) })],
    });
    expect(await photosOf(cleo)).toEqual([]);
    expect((await uploadPhoto(gateways[0]!, cleo)).data?.uploadListingPhoto.errors).toEqual([]);
  }, 60_000);

  it("refuses a presigned PUT that trickles, storing nothing; the same URL then takes the bytes at full speed", async () => {
    const dee = await member();
    const path = join(dir, "dee.png");
    await writeFile(path, await photo());
    const created = await createUpload(dee, path, { purpose: "AVATAR", contentType: "image/png" });
    expect(created.errors).toEqual([]);
    const presigned = created.upload!;
    const headers = Object.fromEntries(presigned.headers.map((h) => [h.name, h.value]));
    const bytes = await readFile(path);

    const slow = new Trickle(presigned.url, {
      method: "PUT",
      headers: { ...headers, "content-length": String(bytes.length) },
      head: bytes.subarray(0, 8),
    }).pace(1, 1_000);
    expect(await slow.answer).toMatchObject(tooSlow);
    expect(await storedBlobsOf(presigned.media.id)).toEqual([]);
    const early = await dee.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(early.completeUpload.errors).toEqual([expect.objectContaining({ code: "UPLOAD_MISSING" })]);

    expect((await putBytes(presigned, bytes)).status).toBe(200);
    const { completeUpload } = await dee.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
    expect(completeUpload).toMatchObject({ errors: [], media: { id: presigned.media.id, status: "PENDING" } });
  }, 60_000);
});
