// Notifications link to what they are about, through the gateway: the photo and its job, an
// export's job, a transfer (the entry's transferId). A trade's notification links the trade only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { grantedUser, transfer } from "../ledger/helpers.ts";
import { flat } from "../media/image-fixtures.ts";
import { untilJobEnds, uploadDirect } from "../media/helpers.ts";

const INBOX = `{ notifications(first: 50) { edges { node {
  kind
  trade { id }
  media { id status }
  job { id kind status }
  transferId
  verificationRequest { id }
} } } }`;

type Subject = {
  kind: string;
  trade: { id: string } | null;
  media: { id: string; status: string } | null;
  job: { id: string; kind: string; status: string } | null;
  transferId: string | null;
  verificationRequest: { id: string } | null;
};

/** The member's notification of `kind`, once the notify job has recorded it. */
async function notificationOf(member: TestUser, kind: string): Promise<Subject> {
  const inbox = await eventually(
    `${kind} for ${member.email}`,
    () => member.client.data<{ notifications: { edges: { node: Subject }[] } }>(INBOX),
    (n) => n.notifications.edges.some((e) => e.node.kind === kind),
  );
  return inbox.notifications.edges.map((e) => e.node).find((n) => n.kind === kind)!;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-notification-subjects-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("what a notification links to", () => {
  it("CREDITS_RECEIVED: the transfer, as the recipient's ledger entry names it, and nothing else", async () => {
    const [ann, bob] = await Promise.all([grantedUser(50), registerUser({ verify: false })]);
    await transfer(ann, bob.id, 12, randomUUID(), "for the kettle");
    const received = await notificationOf(bob, "CREDITS_RECEIVED");
    const { ledgerEntries } = await bob.client.data<{ ledgerEntries: { edges: { node: { transferId: string; amount: number } }[] } }>(
      `{ ledgerEntries(first: 5, kinds: ["transfer"]) { edges { node { transferId amount } } } }`,
    );
    expect(ledgerEntries.edges.map((e) => e.node.amount)).toEqual([12]);
    expect(received).toEqual({
      kind: "CREDITS_RECEIVED",
      trade: null,
      media: null,
      job: null,
      transferId: ledgerEntries.edges[0]!.node.transferId,
      verificationRequest: null,
    });
  });

  it("PHOTO_READY: the photo and the job that processed it", async () => {
    const ann = await registerUser({ verify: false });
    const uploaded = await uploadDirect(ann, await flat(dir, "avatar.png", 300, 300, "png"), { contentType: "image/png" });
    const mediaId = uploaded.media!.id;
    const jobId = uploaded.media!.job!.id;
    expect((await untilJobEnds(ann, jobId)).status).toBe("SUCCEEDED");
    const ready = await notificationOf(ann, "PHOTO_READY");
    expect(ready).toMatchObject({ trade: null, transferId: null, verificationRequest: null });
    expect(ready.media).toEqual({ id: mediaId, status: "READY" });
    expect(ready.job).toEqual({ id: jobId, kind: "media:process", status: "SUCCEEDED" });
  });

  it("DATA_EXPORT_READY: the export's job, whose archive the member downloads", async () => {
    const ann = await registerUser({ verify: false });
    const { requestDataExport } = await ann.client.data<{ requestDataExport: { job: { id: string } | null; errors: unknown[] } }>(
      `mutation { requestDataExport { job { id } errors { code } } }`,
    );
    expect(requestDataExport.errors).toEqual([]);
    const ready = await notificationOf(ann, "DATA_EXPORT_READY");
    expect(ready.job).toMatchObject({ id: requestDataExport.job!.id, status: "SUCCEEDED" });
    expect(ready).toMatchObject({ media: null, trade: null, transferId: null });
  });
});
