// Verification with private documents (issue 12), through the gateway: a member sends one or two
// of their documents, admins decide from a queue, the member is told, and the documents go.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../harness/eventually.ts";
import { GatewayClient, registerUser, signInAdmin, wsClient, type TestUser } from "../harness/client.ts";
import { Subscription } from "../harness/subscription.ts";
import { grantTo } from "../ledger/helpers.ts";
import { pdf } from "../media/image-fixtures.ts";
import { JOB, storedBlobsOf, untilJobEnds, uploadDirect } from "../media/helpers.ts";

const REQUEST = `mutation ($ids: [ID!]!) { requestVerification(documentIds: $ids) {
  request { id status reason documents { id } } errors { code message field } } }`;
const QUEUE = `query ($status: VerificationStatus, $first: Int) { verificationRequests(status: $status, first: $first) {
  totalCount edges { node { id status member { id displayName } documents { id contentType url } } } } }`;
const APPROVE = `mutation ($id: ID!) { approveVerification(id: $id) { request { id status decidedAt documents { id } } errors { code message field } } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectVerification(id: $id, reason: $reason) {
  request { id status reason } errors { code message field } } }`;
const MINE = `{ me { id verified } myVerificationRequest { id status reason } }`;
const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;

type Payload = {
  request: { id: string; status: string; reason: string | null; documents?: { id: string }[] } | null;
  errors: { code: string; field: string | null }[];
};
type QueueNode = { id: string; status: string; member: { id: string }; documents: { id: string; contentType: string; url: string | null }[] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-verification-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A member's private document, processed and READY: its id, and its processing job's. */
async function uploadedDocument(member: TestUser, name = "passport.pdf"): Promise<{ id: string; jobId: string }> {
  const uploaded = await uploadDirect(member, await pdf(dir, name), { purpose: "DOCUMENT", contentType: "application/pdf" });
  const jobId = uploaded.media!.job!.id;
  const job = await untilJobEnds(member, jobId);
  expect(job.status).toBe("SUCCEEDED");
  return { id: uploaded.media!.id, jobId };
}

/** A member's private document, processed and READY; its id. */
const documentOf = async (member: TestUser, name?: string): Promise<string> => (await uploadedDocument(member, name)).id;

async function submit(member: TestUser, ids: string[]): Promise<Payload> {
  return (await member.client.data<{ requestVerification: Payload }>(REQUEST, { ids })).requestVerification;
}

async function queued(id: string): Promise<QueueNode> {
  const admin = await signInAdmin();
  const { verificationRequests } = await admin.data<{ verificationRequests: { edges: { node: QueueNode }[] } }>(QUEUE, { first: 100 });
  const node = verificationRequests.edges.map((e) => e.node).find((n) => n.id === id);
  if (!node) throw new Error(`request ${id} is not in the admins' queue`);
  return node;
}

describe("verification with private documents", () => {
  it("goes from a member's documents to an admin's approval: verified, notified, and the documents deleted", async () => {
    const ann = await registerUser();
    const passport = await documentOf(ann);
    const bill = await documentOf(ann, "utility-bill.pdf");
    const sent = await submit(ann, [passport, bill]);
    expect(sent.errors).toEqual([]);
    expect(sent.request).toMatchObject({ status: "PENDING", reason: null });
    expect(sent.request!.documents!.map((d) => d.id).sort()).toEqual([passport, bill].sort());

    // The admin opens each document from the queue by a short-lived signed link.
    const node = await queued(sent.request!.id);
    expect(node.member.id).toBe(ann.id);
    for (const document of node.documents) {
      expect(document.url).toMatch(/signature=/);
      // Short-lived: it expires within MEDIA_URL_TTL_SECONDS (900 s, the test graph's default).
      const expiresIn = Number(new URL(document.url!).searchParams.get("expires")) - Date.now() / 1000;
      expect(expiresIn).toBeGreaterThan(0);
      expect(expiresIn).toBeLessThanOrEqual(900);
      const response = await fetch(document.url!);
      expect(response.status).toBe(200);
      expect((await response.text()).startsWith("%PDF-")).toBe(true);
    }

    const admin = await signInAdmin();
    const { approveVerification } = await admin.data<{ approveVerification: Payload }>(APPROVE, { id: sent.request!.id });
    expect(approveVerification.errors).toEqual([]);
    expect(approveVerification.request).toMatchObject({ status: "APPROVED", documents: [] });

    const mine = await ann.client.data<{ me: { verified: boolean }; myVerificationRequest: { status: string } }>(MINE);
    expect(mine).toMatchObject({ me: { verified: true }, myVerificationRequest: { status: "APPROVED" } });
    // Anyone sees the badge.
    const { user } = await registerUser().then((bob) =>
      bob.client.data<{ user: { verified: boolean } }>(`query ($id: ID!) { user(id: $id) { verified } }`, { id: ann.id }),
    );
    expect(user.verified).toBe(true);

    const inbox = await eventually(
      "the approval notification",
      () =>
        ann.client.data<{ notifications: { edges: { node: { kind: string; verificationRequest: { id: string } | null } }[] } }>(
          `{ notifications(first: 20) { edges { node { kind verificationRequest { id } } } } }`,
        ),
      (n) => n.notifications.edges.some((e) => e.node.kind === "VERIFICATION_APPROVED"),
    );
    // It links to the request it decided.
    expect(inbox.notifications.edges.map((e) => e.node)).toContainEqual({ kind: "VERIFICATION_APPROVED", verificationRequest: { id: sent.request!.id } });
    // Retention is 0 in the test graph: the documents' bytes go right after the decision.
    await eventually(
      "the documents' deletion",
      async () => [...(await storedBlobsOf(passport)), ...(await storedBlobsOf(bill))],
      (blobs) => blobs.length === 0,
    );
  });

  it("tells a rejected member why, and lets them try again", async () => {
    const ann = await registerUser();
    const first = await submit(ann, [await documentOf(ann)]);
    const admin = await signInAdmin();
    const blank = await admin.data<{ rejectVerification: Payload }>(REJECT, { id: first.request!.id, reason: "   " });
    expect(blank.rejectVerification.errors).toMatchObject([{ code: "INVALID_INPUT", field: "reason" }]);
    const { rejectVerification } = await admin.data<{ rejectVerification: Payload }>(REJECT, {
      id: first.request!.id,
      reason: "The photo page is unreadable.",
    });
    expect(rejectVerification).toMatchObject({ request: { status: "REJECTED", reason: "The photo page is unreadable." }, errors: [] });
    const inbox = await eventually(
      "the rejection notification",
      () => ann.client.data<{ notifications: { edges: { node: { kind: string; message: string } }[] } }>(INBOX),
      (n) => n.notifications.edges.some((e) => e.node.kind === "VERIFICATION_REJECTED"),
    );
    expect(inbox.notifications.edges.find((e) => e.node.kind === "VERIFICATION_REJECTED")!.node.message).toContain("The photo page is unreadable.");
    expect((await ann.client.data<{ me: { verified: boolean } }>(MINE)).me.verified).toBe(false);
    const again = await submit(ann, [await documentOf(ann, "second.pdf")]);
    expect(again).toMatchObject({ request: { status: "PENDING" }, errors: [] });
  });

  it("delivers each notificationAdded with the request's member as they are then: unverified on the rejection, verified on the approval", async () => {
    const ann = await registerUser();
    const first = await submit(ann, [await documentOf(ann)]);
    const socket = wsClient(ann.accessToken);
    type Live = { notificationAdded: { kind: string; verificationRequest: { id: string; member: { id: string; verified: boolean } } | null } };
    try {
      const live = new Subscription<Live>(socket, `subscription { notificationAdded { kind verificationRequest { id member { id verified } } } }`);
      // A feed delivers nothing first: it is shown to be listening by credits granted until one arrives.
      for (let i = 0; ; i++) {
        await grantTo(ann, 1);
        try {
          await live.until((r) => r.data?.notificationAdded.kind === "CREDITS_RECEIVED", "a probe", 1500);
          break;
        } catch (e) {
          if (i === 10) throw e;
        }
      }
      const admin = await signInAdmin();
      expect((await admin.data<{ rejectVerification: Payload }>(REJECT, { id: first.request!.id, reason: "Blurred." })).rejectVerification.errors).toEqual([]);
      const rejected = await live.until((r) => r.data?.notificationAdded.kind === "VERIFICATION_REJECTED", "the rejection");
      expect(rejected.data!.notificationAdded.verificationRequest).toEqual({ id: first.request!.id, member: { id: ann.id, verified: false } });

      const second = await submit(ann, [await documentOf(ann, "second.pdf")]);
      expect((await admin.data<{ approveVerification: Payload }>(APPROVE, { id: second.request!.id })).approveVerification.errors).toEqual([]);
      const approved = await live.until((r) => r.data?.notificationAdded.kind === "VERIFICATION_APPROVED", "the approval");
      expect(approved.data!.notificationAdded.verificationRequest).toEqual({ id: second.request!.id, member: { id: ann.id, verified: true } });
      expect((await ann.client.data<{ me: { verified: boolean } }>(MINE)).me.verified).toBe(true);
      live.dispose();
    } finally {
      await socket.dispose();
    }
  });

  it("refuses what is not the member's processed document, a second pending request, and a double click", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const bobs = await documentOf(bob);
    expect((await submit(ann, [bobs])).errors).toMatchObject([{ code: "DOCUMENT_NOT_READY", field: "documentIds" }]);
    expect((await submit(ann, [])).errors).toMatchObject([{ code: "INVALID_INPUT", field: "documentIds" }]);
    const mine = await documentOf(ann);
    expect((await submit(ann, [mine, bobs, await documentOf(ann, "third.pdf")])).errors).toMatchObject([{ code: "INVALID_INPUT" }]);
    // Two clicks at once make one request.
    const both = await Promise.all([submit(ann, [mine]), submit(ann, [mine])]);
    expect(both.filter((p) => p.request?.status === "PENDING")).toHaveLength(1);
    expect(both.flatMap((p) => p.errors.map((e) => e.code))).toEqual(["ALREADY_PENDING"]);
  });

  it("never shows the documents or the queue to anyone but the member and admins; two admins decide once", async () => {
    const ann = await registerUser();
    const document = await uploadedDocument(ann);
    const sent = await submit(ann, [document.id]);
    const bob = await registerUser();
    const queue = await bob.client.request(QUEUE, {});
    expect(queue.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // The document's processing job (the one way to reach a media item by id) is not Bob's to
    // see: null for him. Its owner (the control) sees it, and through it the document's link.
    type Job = { job: { media: { id: string; url: string | null } | null } | null };
    const asOwner = await ann.client.data<Job>(JOB, { id: document.jobId });
    expect(asOwner.job?.media).toMatchObject({ id: document.id, url: expect.stringMatching(/signature=/) });
    expect(await bob.client.data<Job>(JOB, { id: document.jobId })).toEqual({ job: null });
    const uploaded = await ann.client.data<{ myVerificationRequest: { id: string } }>(MINE.replace("me { id verified } ", ""));
    expect(uploaded.myVerificationRequest.id).toBe(sent.request!.id);
    expect((await bob.client.data<{ myVerificationRequest: unknown }>(MINE)).myVerificationRequest).toBeNull();
    const selfApproval = await ann.client.request(APPROVE, { id: sent.request!.id });
    expect(selfApproval.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await new GatewayClient().request(APPROVE, { id: sent.request!.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const admin = await signInAdmin();
    const decisions = await Promise.all([
      admin.data<{ approveVerification: Payload }>(APPROVE, { id: sent.request!.id }).then((d) => d.approveVerification),
      admin.data<{ rejectVerification: Payload }>(REJECT, { id: sent.request!.id, reason: "Blurred." }).then((d) => d.rejectVerification),
    ]);
    expect(decisions.filter((d) => d.errors.length === 0)).toHaveLength(1);
    expect(decisions.flatMap((d) => d.errors.map((e) => e.code))).toEqual(["ALREADY_DECIDED"]);
    const winner = decisions.find((d) => d.errors.length === 0)!.request!.status;
    expect((await ann.client.data<{ me: { verified: boolean } }>(MINE)).me.verified).toBe(winner === "APPROVED");
  });
});
