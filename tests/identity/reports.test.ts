// Reports (issue 23), through the gateway: members report a listing or a member (never
// themselves, one open report per target, two clicks make one); admins read the queue oldest first
// and resolve each report once; the reporter is told the outcome, never who decided.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { createListing, database } from "../listings/helpers.ts";
import { inboxMessages as inbox } from "../harness/inbox.ts";

const REPORT_LISTING = `mutation ($id: ID!, $reason: ReportReason!, $details: String) { reportListing(listingId: $id, reason: $reason, details: $details) {
  report { id subject reason details status outcome note } errors { code message field } } }`;
const REPORT_MEMBER = `mutation ($id: ID!, $reason: ReportReason!, $details: String) { reportMember(userId: $id, reason: $reason, details: $details) {
  report { id subject reason details status outcome } errors { code message field } } }`;
const QUEUE = `query ($status: ReportStatus, $first: Int, $after: String) { reports(status: $status, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id subject reason details status createdAt reporter { id } member { id } listing { id title } } } } }`;
const RESOLVE = `mutation ($id: ID!, $action: ReportAction!, $note: String!) { resolveReport(id: $id, action: $action, note: $note) {
  report { id status outcome note resolvedAt } errors { code message field } } }`;

type Errors = { code: string; message: string; field: string | null }[];
type Reported = { report: { id: string; subject: string; status: string; outcome: string | null; note?: string | null } | null; errors: Errors };
type QueueNode = {
  id: string;
  subject: string;
  reason: string;
  details: string | null;
  status: string;
  createdAt: string;
  reporter: { id: string };
  member: { id: string };
  listing: { id: string; title: string } | null;
};

async function reportListing(user: TestUser, id: string, reason = "SCAM", details: string | null = null): Promise<Reported> {
  return (await user.client.data<{ reportListing: Reported }>(REPORT_LISTING, { id, reason, details })).reportListing;
}

async function reportMember(user: TestUser, id: string, reason = "OFFENSIVE", details: string | null = null): Promise<Reported> {
  return (await user.client.data<{ reportMember: Reported }>(REPORT_MEMBER, { id, reason, details })).reportMember;
}

async function resolve(admin: GatewayClient, id: string, action: string, note = "Looked into it"): Promise<Reported> {
  return (await admin.data<{ resolveReport: Reported }>(RESOLVE, { id, action, note })).resolveReport;
}

type QueuePage = { reports: { edges: { node: QueueNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

/** Every report in the admins' queue in a status, page by page. */
async function queue(admin: GatewayClient, status = "OPEN"): Promise<QueueNode[]> {
  const nodes: QueueNode[] = [];
  let after: string | null = null;
  for (;;) {
    const page: QueuePage = await admin.data<QueuePage>(QUEUE, { status, first: 100, after });
    nodes.push(...page.reports.edges.map((e) => e.node));
    if (!page.reports.pageInfo.hasNextPage) return nodes;
    after = page.reports.pageInfo.endCursor;
  }
}

describe("reporting", () => {
  it("refuses oneself and one's own listing, an unknown listing, OTHER without details; accepts another's", async () => {
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const annsListing = await createListing(ann);
    const bobsListing = await createListing(bob, { title: "Genuine Rolex, honest" });

    expect((await reportMember(ann, ann.id)).errors).toMatchObject([{ code: "CANNOT_REPORT_SELF", field: "userId" }]);
    expect((await reportListing(ann, annsListing.id)).errors).toMatchObject([{ code: "CANNOT_REPORT_SELF", field: "listingId" }]);
    expect((await reportListing(ann, randomUUID())).errors).toMatchObject([{ code: "NOT_FOUND", field: "listingId" }]);
    expect((await reportMember(ann, randomUUID())).errors).toMatchObject([{ code: "NOT_FOUND", field: "userId" }]);
    expect((await reportListing(ann, bobsListing.id, "OTHER")).errors).toMatchObject([{ code: "INVALID_INPUT", field: "details" }]);

    // The same reporter, another's listing and member: accepted.
    const listingReport = await reportListing(ann, bobsListing.id, "OTHER", "Fake watch");
    expect(listingReport.errors).toEqual([]);
    expect(listingReport.report).toMatchObject({ subject: "LISTING", status: "OPEN", outcome: null, note: null });
    expect((await reportMember(ann, bob.id)).errors).toEqual([]);
  }, 60_000);

  it("keeps one open report per reporter and target, even for two clicks at once", async () => {
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const carl = await registerUser({ verify: false });
    expect((await reportMember(ann, bob.id)).errors).toEqual([]);
    expect((await reportMember(ann, bob.id, "SCAM")).errors).toMatchObject([{ code: "REPORT_ALREADY_OPEN" }]);
    // Another reporter of the same member: their own report.
    expect((await reportMember(carl, bob.id)).errors).toEqual([]);

    const both = await Promise.all([reportMember(ann, carl.id), reportMember(ann, carl.id)]);
    const codes = both.map((r) => r.errors[0]?.code ?? "ok").sort();
    expect(codes).toEqual(["REPORT_ALREADY_OPEN", "ok"]);
    const admin = await signInAdmin();
    expect((await queue(admin)).filter((r) => r.reporter.id === ann.id && r.member.id === carl.id)).toHaveLength(1);
  }, 60_000);
});

describe("the admins' queue", () => {
  it("is refused to members; shows admins the open reports oldest first, with reporter and target", async () => {
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const listing = await createListing(bob, { title: "Suspicious bike" });
    const first = await reportListing(ann, listing.id, "PROHIBITED_ITEM", "Stolen?");
    const second = await reportMember(ann, bob.id);
    expect((await ann.client.request(QUEUE, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await ann.client.request(RESOLVE, { id: first.report!.id, action: "DISMISS", note: "no" })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const admin = await signInAdmin();
    const open = await queue(admin);
    const ids = open.map((r) => r.id);
    expect(ids.indexOf(first.report!.id)).toBeLessThan(ids.indexOf(second.report!.id));
    const times = open.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(open.find((r) => r.id === first.report!.id)).toMatchObject({
      subject: "LISTING",
      reason: "PROHIBITED_ITEM",
      details: "Stolen?",
      reporter: { id: ann.id },
      member: { id: bob.id },
      listing: { id: listing.id, title: "Suspicious bike" },
    });
    expect(open.find((r) => r.id === second.report!.id)).toMatchObject({ subject: "MEMBER", member: { id: bob.id }, listing: null });
  }, 60_000);
});

const LISTING = `query ($id: ID!) { listing(id: $id) { id moderation { state reason reportId } } }`;

describe("resolving", () => {
  it("dismisses once (a second resolve, or two admins at once, is refused); the reporter is told the outcome, not who decided", async () => {
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const listing = await createListing(bob, { title: "Old lamp" });
    const admin = await signInAdmin();
    const { report } = await reportListing(ann, listing.id);

    expect((await resolve(admin, report!.id, "DISMISS", "   ")).errors).toMatchObject([{ code: "INVALID_INPUT", field: "note" }]);
    expect((await resolve(admin, randomUUID(), "DISMISS")).errors).toMatchObject([{ code: "NOT_FOUND", field: "id" }]);
    const dismissed = await resolve(admin, report!.id, "DISMISS", "Nothing wrong with a lamp");
    expect(dismissed.errors).toEqual([]);
    expect(dismissed.report).toMatchObject({ status: "RESOLVED", outcome: "DISMISSED", note: "Nothing wrong with a lamp" });
    expect((await resolve(admin, report!.id, "DISMISS")).errors).toMatchObject([{ code: "REPORT_ALREADY_RESOLVED" }]);

    const told = await eventually(
      "the outcome",
      () => inbox(ann, "REPORT_RESOLVED"),
      (m) => m.length === 1,
    );
    expect(told[0]).toContain("Old lamp");
    expect(told[0]).not.toMatch(/admin@localex\.test|Admin\b|Nothing wrong/);
    // Reporting the same listing again is possible once the first is resolved.
    const again = await reportListing(ann, listing.id);
    expect(again.errors).toEqual([]);

    const raced = await Promise.all([resolve(admin, again.report!.id, "DISMISS"), resolve(admin, again.report!.id, "DISMISS")]);
    expect(raced.map((r) => r.errors[0]?.code ?? "ok").sort()).toEqual(["REPORT_ALREADY_RESOLVED", "ok"]);
  }, 60_000);

  it("HIDE_LISTING takes the listing down through listings' job (listing reports only); SUSPEND_MEMBER suspends the listing's owner", async () => {
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const listing = await createListing(bob, { title: "Replica handbag" });
    const admin = await signInAdmin();
    const memberReport = await reportMember(ann, bob.id);
    expect((await resolve(admin, memberReport.report!.id, "HIDE_LISTING")).errors).toMatchObject([{ code: "INVALID_INPUT", field: "action" }]);
    expect((await resolve(admin, memberReport.report!.id, "DISMISS")).errors).toEqual([]);

    // Control: before the resolution, Ann sees the listing.
    expect((await ann.client.data<{ listing: { id: string } | null }>(LISTING, { id: listing.id })).listing?.id).toBe(listing.id);
    const { report } = await reportListing(ann, listing.id, "COUNTERFEIT");
    const hidden = await resolve(admin, report!.id, "HIDE_LISTING", "Counterfeit brand goods");
    expect(hidden.report).toMatchObject({ outcome: "LISTING_HIDDEN" });
    // Listings' take-down job runs: the listing is gone for everyone else, and its owner reads why.
    await eventually(
      "the listing taken down",
      () => ann.client.data<{ listing: { id: string } | null }>(LISTING, { id: listing.id }),
      (d) => d.listing === null,
    );
    const owned = await bob.client.data<{ listing: { moderation: { state: string; reason: string; reportId: string | null } | null } | null }>(LISTING, {
      id: listing.id,
    });
    expect(owned.listing?.moderation).toMatchObject({ reason: "Counterfeit brand goods" });
    await eventually(
      "the outcome",
      () => inbox(ann, "REPORT_RESOLVED"),
      (m) => m.some((t) => t.includes("taken down")),
    );

    const other = await reportListing(ann, listing.id, "SCAM");
    const suspended = await resolve(admin, other.report!.id, "SUSPEND_MEMBER", "Repeated counterfeits");
    expect(suspended.errors).toEqual([]);
    const { user } = await admin.data<{ user: { suspension: { reason: string; until: string | null } | null } }>(
      `query ($id: ID!) { user(id: $id) { suspension { reason until } } }`,
      { id: bob.id },
    );
    expect(user.suspension).toEqual({ reason: "Repeated counterfeits", until: null });
    // Bob's session ended with the suspension.
    expect((await bob.client.request(`{ me { id } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    await eventually(
      "the outcome",
      () => inbox(ann, "REPORT_RESOLVED"),
      (m) => m.some((t) => t.includes("suspended")),
    );
  }, 60_000);

  it("SUSPEND_MEMBER of an admin is refused and leaves the report open", async () => {
    const admin = await signInAdmin();
    const ann = await registerUser({ verify: false });
    const { me } = await admin.data<{ me: { id: string } }>(`{ me { id } }`);
    const { report } = await reportMember(ann, me.id);
    expect((await resolve(admin, report!.id, "SUSPEND_MEMBER")).errors).toMatchObject([{ code: "CANNOT_SUSPEND" }]);
    expect((await queue(admin)).map((r) => r.id)).toContain(report!.id);
    expect((await resolve(admin, report!.id, "DISMISS")).errors).toEqual([]);
  }, 60_000);
});
