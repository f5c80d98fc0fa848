// The catalogue `pnpm bench:gateway` reads: members with avatars, each with listings that have
// photos, all made through the gateway as members would (uploads processed to READY).
import sharp from "sharp";
import { postMultipart, type MultipartResponse } from "../media/multipart-client.ts";
import { gql, stage, verifyEmail } from "./support.ts";

const OWNERS = Number(process.env.BENCH_OWNERS ?? 10);
const LISTINGS_PER_OWNER = Number(process.env.BENCH_LISTINGS_PER_OWNER ?? 4);
const ADJECTIVES = ["brass", "oak", "vintage", "folding", "green", "tall", "small", "desk", "reading", "hanging"];
/** Every listing's title has it: the search page's query. */
export const SEARCH_WORD = "lamp";

type Upload = MultipartResponse<Record<string, { media: { job: { id: string } } | null; errors: { code: string; message: string }[] }>>;

/** A small JPEG, different per seed, like a phone photo scaled down. */
async function photo(seed: number): Promise<Buffer> {
  const colour = { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 193) % 256 };
  return sharp({ create: { width: 640, height: 480, channels: 3, background: colour } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

async function upload(
  gatewayUrl: string,
  token: string,
  mutation: string,
  field: string,
  variables: Record<string, unknown>,
  content: Buffer,
): Promise<string> {
  const answer = (await postMultipart(gatewayUrl, {
    operations: { query: mutation, variables: { ...variables, file: null } },
    map: { "0": ["variables.file"] },
    files: [{ field: "0", filename: "photo.jpg", contentType: "image/jpeg", content }],
    token,
  })) as Upload;
  const media = answer.data?.[field]?.media;
  if (!media) throw new Error(`${field} failed: HTTP ${answer.status} ${JSON.stringify(answer.errors ?? answer.data)}`);
  return media.job.id;
}

async function untilProcessed(gatewayUrl: string, token: string, jobId: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    const { job } = await gql<{ job: { status: string } }>(gatewayUrl, `query ($id: ID!) { job(id: $id) { status } }`, { id: jobId }, token);
    if (job.status === "SUCCEEDED") return;
    if (job.status === "FAILED") throw new Error(`media job ${jobId} failed`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`media job ${jobId} did not finish`);
}

export async function seedCatalogue(gatewayUrl: string): Promise<void> {
  const { categories } = await gql<{ categories: { id: string }[] }>(gatewayUrl, `{ categories { id } }`);
  let listings = 0;
  for (let o = 0; o < OWNERS; o++) {
    const email = `bench-owner-${o}-${Date.now()}@localex.bench`;
    const { register } = await gql<{ register: { accessToken: string } }>(
      gatewayUrl,
      `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`,
      {
        input: { email, password: "correct horse battery", displayName: `Owner ${o}` },
      },
    );
    const token = register.accessToken;
    await verifyEmail(gatewayUrl, email);
    const jobs = [
      await upload(
        gatewayUrl,
        token,
        `mutation ($file: Upload!) { uploadAvatar(file: $file) { media { job { id } } errors { code message } } }`,
        "uploadAvatar",
        {},
        await photo(o),
      ),
    ];
    for (let l = 0; l < LISTINGS_PER_OWNER; l++) {
      const { createListing } = await gql<{ createListing: { listing: { id: string }; errors: unknown[] } }>(
        gatewayUrl,
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } errors { code } } }`,
        {
          input: {
            title: `${ADJECTIVES[(o + l) % ADJECTIVES.length]} ${SEARCH_WORD} ${o}-${l}`,
            description: `A ${SEARCH_WORD} in good order, collect in Utrecht.`,
            categoryId: categories[(o + l) % categories.length]!.id,
            condition: "GOOD",
            creditPrice: 5 + ((o * 7 + l) % 40),
          },
        },
        token,
      );
      const id = createListing.listing.id;
      await gql(gatewayUrl, `mutation ($id: ID!) { publishListing(id: $id) { errors { code } } }`, { id }, token);
      for (let p = 0; p < 2; p++) {
        jobs.push(
          await upload(
            gatewayUrl,
            token,
            `mutation ($file: Upload!, $listingId: ID!) { uploadListingPhoto(file: $file, listingId: $listingId) { media { job { id } } errors { code message } } }`,
            "uploadListingPhoto",
            { listingId: id },
            await photo(o * 100 + l * 10 + p),
          ),
        );
      }
      listings++;
    }
    for (const job of jobs) await untilProcessed(gatewayUrl, token, job);
    stage(`owner ${o + 1}/${OWNERS}: avatar and ${LISTINGS_PER_OWNER} listings with 2 photos each, processed`);
  }
  // The index follows listings through the job queue.
  for (let i = 0; i < 1000; i++) {
    const { search } = await gql<{ search: { totalCount: number } }>(gatewayUrl, `query ($q: String) { search(query: $q, first: 1) { totalCount } }`, {
      q: SEARCH_WORD,
    });
    if (search.totalCount >= listings) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("search did not index every listing");
}

/** A member who reads the page in `--callers` mode: their access token and who they are. */
export interface BenchCaller {
  accessToken: string;
  userId: string;
}

/**
 * `count` members registered through the gateway as anyone signs up (identity hashes each
 * password with argon2, so a few at a time). Their access tokens are real sessions' tokens,
 * verified by every gateway as a client's would be.
 */
export async function registerCallers(gatewayUrl: string, count: number): Promise<BenchCaller[]> {
  const callers: BenchCaller[] = [];
  const run = Date.now();
  let next = 0;
  const registerOne = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const { register } = await gql<{ register: { accessToken: string; user: { id: string } } }>(
        gatewayUrl,
        `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`,
        { input: { email: `bench-reader-${i}-${run}@localex.bench`, password: "correct horse battery", displayName: `Reader ${i}` } },
      );
      callers.push({ accessToken: register.accessToken, userId: register.user.id });
      if (callers.length % 64 === 0) stage(`${callers.length}/${count} members registered`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, registerOne));
  return callers;
}
