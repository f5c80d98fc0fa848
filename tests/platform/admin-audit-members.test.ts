// The admin audit log and the members it concerns (issue 23; docs/audit.md, docs/privacy.md):
// verification decisions and every link an admin obtains to a member's private document are
// recorded, and the member's data export holds what was done concerning them, the admin unnamed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { flat, pdf } from "../media/image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "../media/helpers.ts";
import { auditEntries, harnessAdmin } from "./admin-audit-helpers.ts";

const REQUEST = `mutation ($ids: [ID!]!) { requestVerification(documentIds: $ids) { request { id } errors { code } } }`;
const QUEUE = `query { verificationRequests(status: PENDING, first: 100) { edges { node { id documents { id url } } } } }`;
const APPROVE = `mutation ($id: ID!) { approveVerification(id: $id) { request { id status } errors { code field } } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectVerification(id: $id, reason: $reason) { request { id status } errors { code field } } }`;
const OWN_DOCUMENTS = `{ myVerificationRequest { id documents { id url } } }`;
const GRANT = `mutation ($id: ID!, $key: String!) { grantCredits(userId: $id, amount: 12, memo: "Prize for the repair café.", idempotencyKey: $key) { errors { code } } }`;
const TAKE_DOWN = `mutation ($id: ID!, $reason: String!) { takeDownMedia(id: $id, reason: $reason) { media { id status } errors { code field } } }`;
const EXPORT = `mutation { requestDataExport { job { id } errors { code } } }`;
const JOB = `query ($id: ID!) { job(id: $id) { status downloadUrl } }`;
type Errors = { code: string; field?: string | null }[];
type QueueNode = { id: string; documents: { id: string; url: string | null }[] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-admin-audit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A member's verification request with one processed private document: its id and the document's. */
async function requested(member: TestUser): Promise<{ requestId: string; documentId: string }> {
  const uploaded = await uploadDirect(member, await pdf(dir, `${member.id}.pdf`), { purpose: "DOCUMENT", contentType: "application/pdf" });
  expect((await untilJobEnds(member, uploaded.media!.job!.id)).status).toBe("SUCCEEDED");
  const documentId = uploaded.media!.id;
  const { requestVerification } = await member.client.data<{ requestVerification: { request: { id: string }; errors: Errors } }>(REQUEST, {
    ids: [documentId],
  });
  expect(requestVerification.errors).toEqual([]);
  return { requestId: requestVerification.request.id, documentId };
}

describe("the admin audit log, concerning members", () => {
  it("records each document link an admin obtains and each verification decision; the owner's own link and a second decision record nothing", async () => {
    const admin = await harnessAdmin();
    const ann = await registerUser();
    const bob = await registerUser();
    const annRequest = await requested(ann);
    const bobRequest = await requested(bob);

    // The owner opening their own document is no admin act.
    const own = await ann.client.data<{ myVerificationRequest: QueueNode }>(OWN_DOCUMENTS);
    expect(own.myVerificationRequest.documents[0]!.url).toMatch(/signature=/);
    expect(await auditEntries({ memberId: ann.id })).toEqual([]);

    // The admin opens the queue: one entry per link obtained, to each document's owner.
    const { verificationRequests } = await admin.client.data<{ verificationRequests: { edges: { node: QueueNode }[] } }>(QUEUE);
    const annNode = verificationRequests.edges.map((e) => e.node).find((n) => n.id === annRequest.requestId)!;
    expect(annNode.documents[0]!.url).toMatch(/signature=/);
    expect(await auditEntries({ memberId: ann.id, actions: ["DOCUMENT_URL_ISSUED"] })).toEqual([
      expect.objectContaining({
        admin: { id: admin.id },
        subject: { kind: "MEDIA", id: annRequest.documentId },
        members: [{ id: ann.id }],
        reason: null,
        details: { variant: "ORIGINAL", expiresInSeconds: expect.any(Number) },
      }),
    ]);

    const approved = await admin.client.data<{ approveVerification: { errors: Errors } }>(APPROVE, { id: annRequest.requestId });
    expect(approved.approveVerification.errors).toEqual([]);
    const again = await admin.client.data<{ approveVerification: { errors: Errors } }>(APPROVE, { id: annRequest.requestId });
    expect(again.approveVerification.errors).toMatchObject([{ code: "ALREADY_DECIDED" }]);
    const badReason = await admin.client.data<{ rejectVerification: { errors: Errors } }>(REJECT, { id: bobRequest.requestId, reason: " " });
    expect(badReason.rejectVerification.errors).toMatchObject([{ code: "INVALID_INPUT", field: "reason" }]);
    const rejected = await admin.client.data<{ rejectVerification: { errors: Errors } }>(REJECT, {
      id: bobRequest.requestId,
      reason: "The scan is unreadable.",
    });
    expect(rejected.rejectVerification.errors).toEqual([]);

    const decisions = ["VERIFICATION_APPROVED", "VERIFICATION_REJECTED"];
    expect(await auditEntries({ memberId: ann.id, actions: decisions })).toEqual([
      expect.objectContaining({
        action: "VERIFICATION_APPROVED",
        admin: { id: admin.id },
        subject: { kind: "VERIFICATION_REQUEST", id: annRequest.requestId },
      }),
    ]);
    expect(await auditEntries({ memberId: bob.id, actions: decisions })).toEqual([
      expect.objectContaining({
        action: "VERIFICATION_REJECTED",
        admin: { id: admin.id },
        subject: { kind: "VERIFICATION_REQUEST", id: bobRequest.requestId },
        reason: "The scan is unreadable.",
      }),
    ]);
  });

  it("puts the entries concerning a member in their data export, saying what was done and why, without naming the admin", async () => {
    const admin = await harnessAdmin();
    const carol = await registerUser();
    const dave = await registerUser();
    for (const member of [carol, dave]) {
      const granted = await admin.client.data<{ grantCredits: { errors: Errors } }>(GRANT, { id: member.id, key: `export-${member.id}` });
      expect(granted.grantCredits.errors).toEqual([]);
    }
    const logged = await auditEntries({ memberId: carol.id });
    expect(logged).toHaveLength(1);

    const { requestDataExport } = await carol.client.data<{ requestDataExport: { job: { id: string }; errors: Errors } }>(EXPORT);
    expect(requestDataExport.errors).toEqual([]);
    const { job } = await eventually(
      "Carol's export",
      () => carol.client.data<{ job: { status: string; downloadUrl: string | null } }>(JOB, { id: requestDataExport.job.id }),
      (j) => j.job.status === "SUCCEEDED",
      60_000,
    );
    const files = unzipSync(new Uint8Array(await (await fetch(job.downloadUrl!)).arrayBuffer()));
    const text = strFromU8(files["localex-export/data.json"]!);
    const data = JSON.parse(text) as { profile: { adminActs: unknown[] } };
    expect(data.profile.adminActs).toEqual([
      {
        at: logged[0]!.at,
        action: "CREDITS_GRANTED",
        what: "An administrator granted credits to the member (grantCredits).",
        by: "an administrator",
        subject: logged[0]!.subject,
        reason: "Prize for the repair café.",
        details: { amount: 12 },
      },
    ]);
    // Only Carol's: Dave's grant is not in it, and the acting admin is named nowhere.
    expect(text).not.toContain(admin.id);
    expect(text).not.toContain(dave.id);
    expect(strFromU8(files["localex-export/README.md"]!)).toContain("adminActs[]");
  });

  it("records a file taken down once, with the reason; taking it down again or a blank reason records nothing", async () => {
    const admin = await harnessAdmin();
    const owner = await registerUser({ verify: false });
    const uploaded = await uploadDirect(owner, await flat(dir, `${owner.id}.png`, 64, 64, "png"), { purpose: "AVATAR", contentType: "image/png" });
    expect((await untilJobEnds(owner, uploaded.media!.job!.id, 60_000)).status).toBe("SUCCEEDED");
    const id = uploaded.media!.id;
    const takeDown = async (reason: string) => (await admin.client.data<{ takeDownMedia: { errors: Errors } }>(TAKE_DOWN, { id, reason })).takeDownMedia.errors;
    expect(await takeDown(" ")).toMatchObject([{ code: "INVALID_INPUT", field: "reason" }]);
    expect(await takeDown("Impersonates another member.")).toEqual([]);
    expect(await takeDown("Impersonates another member.")).toMatchObject([{ code: "INVALID_STATE", field: "id" }]);

    expect(await auditEntries({ memberId: owner.id })).toEqual([
      expect.objectContaining({
        action: "MEDIA_TAKEN_DOWN",
        admin: { id: admin.id },
        subject: { kind: "MEDIA", id },
        reason: "Impersonates another member.",
        details: { purpose: "AVATAR" },
      }),
    ]);
  });
});
