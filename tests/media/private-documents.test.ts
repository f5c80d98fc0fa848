// A member's private documents (identity verification: PDFs and images) are downloaded, never
// rendered on the storage's origin: served as attachments, sandboxed, never sniffed. A PDF with
// script or an SVG-ish payload opened from the signed URL would otherwise run there.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import { flat, pdf } from "./image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "./helpers.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-documents-test-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("private documents at their signed URL", () => {
  it.each([
    { kind: "a PDF", contentType: "application/pdf", file: () => pdf(dir, `${randomUUID()}.pdf`), starts: "%PDF-" },
    { kind: "an image", contentType: "image/png", file: () => flat(dir, `${randomUUID()}.png`, 120, 80, "png"), starts: "\u0089PNG" },
  ])("serve $kind as an attachment, sandboxed and never sniffed, with its bytes", async ({ contentType, file, starts }) => {
    const member = await registerUser();
    const uploaded = await uploadDirect(member, await file(), { purpose: "DOCUMENT", contentType });
    const job = await untilJobEnds(member, uploaded.media!.job!.id);
    expect(job.media).toMatchObject({ status: "READY", purpose: "DOCUMENT", contentType });

    const response = await fetch(job.media!.url!);
    expect(response.status).toBe(200);
    // The bytes are the document's, as stored.
    expect(response.headers.get("content-type")).toBe(contentType);
    expect(
      Buffer.from(await response.arrayBuffer())
        .toString("latin1")
        .startsWith(starts),
    ).toBe(true);
    // ...but a browser downloads them, and whatever it opens runs in a sandbox with nothing allowed.
    expect(response.headers.get("content-disposition")).toMatch(/^attachment(;|$)/);
    expect(response.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
