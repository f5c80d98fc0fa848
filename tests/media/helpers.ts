// Media as a front-end uses it: uploads straight to storage (createUpload, PUT, completeUpload)
// through the gateway, and the job that processes them followed to its end.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import type { TestUser } from "../harness/client.ts";

export const MEDIA_FIELDS = /* GraphQL */ `id status purpose contentType byteSize width height error
  url thumbnail: url(variant: THUMBNAIL) medium: url(variant: MEDIUM) large: url(variant: LARGE)
  job { id status attempts progress error retryable }`;
const PAYLOAD = `media { ${MEDIA_FIELDS} } errors { code message field }`;

export const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) {
  createUpload(input: $input) { upload { media { id status } url method headers { name value } expiresAt } errors { code message field } } }`;
export const COMPLETE_UPLOAD = `mutation ($id: ID!) { completeUpload(mediaId: $id) { ${PAYLOAD} } }`;
export const JOB = `query ($id: ID!) { job(id: $id) { id kind status progress attempts error errorCode retryable media { ${MEDIA_FIELDS} } } }`;

export interface MediaData {
  id: string;
  status: string;
  purpose: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  error: string | null;
  url: string | null;
  thumbnail: string | null;
  medium: string | null;
  large: string | null;
  job: { id: string; status: string; attempts: number; progress: number | null; error: string | null; retryable: boolean } | null;
}

export interface UserErrorData {
  code: string;
  message: string;
  field: string | null;
}

export interface MediaPayloadData {
  media: MediaData | null;
  errors: UserErrorData[];
}

export interface Presigned {
  media: { id: string; status: string };
  url: string;
  method: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}

/** createUpload's payload: the URL to PUT to, or the refusals (as data). */
export interface CreateUploadData {
  upload: Presigned | null;
  errors: UserErrorData[];
}

export interface UploadOptions {
  purpose?: "LISTING_PHOTO" | "AVATAR" | "DOCUMENT";
  listingId?: string;
  contentType?: string;
  filename?: string;
  /** Declared size; the file's own by default. */
  byteSize?: number;
}

export async function createUpload(user: TestUser, path: string, options: UploadOptions = {}): Promise<CreateUploadData> {
  const bytes = await readFile(path);
  const input = {
    filename: options.filename ?? path.split("/").at(-1),
    contentType: options.contentType ?? "image/jpeg",
    byteSize: options.byteSize ?? bytes.length,
    purpose: options.purpose ?? "AVATAR",
    listingId: options.listingId,
  };
  return (await user.client.data<{ createUpload: CreateUploadData }>(CREATE_UPLOAD, { input })).createUpload;
}

/** PUTs bytes to a presigned URL as a browser would: the headers it was given, nothing else. */
export async function putBytes(presigned: Presigned, body: Buffer): Promise<Response> {
  const headers = Object.fromEntries(presigned.headers.map((h) => [h.name, h.value]));
  return fetch(presigned.url, { method: presigned.method, headers, body });
}

/** createUpload, PUT, completeUpload: the whole direct-to-storage path. */
export async function uploadDirect(user: TestUser, path: string, options: UploadOptions = {}): Promise<MediaPayloadData> {
  const created = await createUpload(user, path, options);
  if (created.errors.length || !created.upload) throw new Error(`createUpload: ${JSON.stringify(created.errors)}`);
  const presigned = created.upload;
  const put = await putBytes(presigned, await readFile(path));
  if (!put.ok) throw new Error(`PUT ${put.status}: ${await put.text()}`);
  const { completeUpload } = await user.client.data<{ completeUpload: MediaPayloadData }>(COMPLETE_UPLOAD, { id: presigned.media.id });
  return completeUpload;
}

type JobData = NonNullable<MediaData["job"]> & { kind: string; errorCode: string | null; media: MediaData | null };

/** Polls the job until it ends (SUCCEEDED or FAILED), within a deadline. */
export async function untilJobEnds(user: TestUser, jobId: string, timeoutMs = 30_000): Promise<JobData> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await user.client.data<{ job: JobData | null }>(JOB, { id: jobId });
    if (!job) throw new Error(`job ${jobId} is not visible to its owner`);
    if (job.status === "SUCCEEDED" || job.status === "FAILED") return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file the disk store holds whose key mentions `mediaId`. */
export async function storedBlobsOf(mediaId: string): Promise<string[]> {
  const root = join(inject("dataDir"), "media");
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (path.includes(mediaId) && (await stat(path)).size >= 0) found.push(path.slice(root.length + 1));
    }
  };
  await walk(root);
  return found;
}
