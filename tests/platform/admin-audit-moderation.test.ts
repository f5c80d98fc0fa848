// The admin audit log of trust and safety (issue 23; docs/audit.md): suspensions, reinstatements,
// report resolutions and lifted takedowns are each recorded once, in the act's transaction, with
// the admin, the member concerned and why; a refused act records nothing.
import { describe, expect, it } from "vitest";
import { registerUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { createListing } from "../listings/helpers.ts";
import { anotherAdmin, auditEntries, harnessAdmin } from "./admin-audit-helpers.ts";

const SUSPEND = `mutation ($id: ID!, $reason: String!) { suspendMember(userId: $id, reason: $reason) { errors { code } } }`;
const REINSTATE = `mutation ($id: ID!) { reinstateMember(userId: $id) { errors { code } } }`;
const REPORT = `mutation ($id: ID!) { reportListing(listingId: $id, reason: PROHIBITED_ITEM) { report { id } errors { code } } }`;
const RESOLVE = `mutation ($id: ID!, $action: ReportAction!, $note: String!) { resolveReport(id: $id, action: $action, note: $note) { errors { code } } }`;
const RESTORE = `mutation ($id: ID!) { restoreListing(id: $id) { listing { id } errors { code } } }`;
const LISTING = `query ($id: ID!) { listing(id: $id) { id } }`;
type Errors = { errors: { code: string }[] };

describe("the admin audit log of trust and safety", () => {
  it("records a suspension and a reinstatement; a refused suspension records nothing", async () => {
    const admin = await harnessAdmin();
    const ann = await registerUser({ verify: false });
    const colleague = await anotherAdmin();

    // Refused (an admin cannot be suspended): no entry. The same call on a member (below) makes one.
    const refused = await admin.client.data<{ suspendMember: Errors }>(SUSPEND, { id: colleague.id, reason: "Testing the log" });
    expect(refused.suspendMember.errors).toMatchObject([{ code: "CANNOT_SUSPEND" }]);
    expect(await auditEntries({ memberId: colleague.id, actions: ["MEMBER_SUSPENDED"] })).toEqual([]);

    expect((await admin.client.data<{ suspendMember: Errors }>(SUSPEND, { id: ann.id, reason: "Spam in messages" })).suspendMember.errors).toEqual([]);
    expect((await admin.client.data<{ reinstateMember: Errors }>(REINSTATE, { id: ann.id })).reinstateMember.errors).toEqual([]);
    // A second reinstatement is refused (NOT_SUSPENDED): still one entry of each.
    expect((await admin.client.data<{ reinstateMember: Errors }>(REINSTATE, { id: ann.id })).reinstateMember.errors).toMatchObject([{ code: "NOT_SUSPENDED" }]);

    const entries = await auditEntries({ memberId: ann.id });
    expect(entries.map((e) => e.action)).toEqual(["MEMBER_REINSTATED", "MEMBER_SUSPENDED"]);
    expect(entries[1]).toMatchObject({
      admin: { id: admin.id },
      subject: { kind: "USER", id: ann.id },
      members: [{ id: ann.id }],
      reason: "Spam in messages",
      details: { until: null, reportId: null },
    });
    expect(entries[0]).toMatchObject({ admin: { id: admin.id }, subject: { kind: "USER", id: ann.id }, reason: null });
  });

  it("records a report's resolution against the member reported, never the reporter; and a lifted takedown", async () => {
    const admin = await harnessAdmin();
    const [reporter, owner] = await Promise.all([registerUser({ verify: false }), registerUser({ verify: false })]);
    const listing = await createListing(owner, { title: "Replica watch" });
    const { reportListing } = await reporter.client.data<{ reportListing: { report: { id: string } } & Errors }>(REPORT, { id: listing.id });
    expect(reportListing.errors).toEqual([]);
    const reportId = reportListing.report.id;
    expect(
      (await admin.client.data<{ resolveReport: Errors }>(RESOLVE, { id: reportId, action: "HIDE_LISTING", note: "Counterfeit" })).resolveReport.errors,
    ).toEqual([]);
    // Resolving it again is refused and records nothing more.
    const again = await admin.client.data<{ resolveReport: Errors }>(RESOLVE, { id: reportId, action: "DISMISS", note: "Changed my mind" });
    expect(again.resolveReport.errors).toMatchObject([{ code: "REPORT_ALREADY_RESOLVED" }]);

    const resolved = await auditEntries({ memberId: owner.id, actions: ["REPORT_RESOLVED"] });
    expect(resolved).toEqual([
      expect.objectContaining({
        admin: { id: admin.id },
        subject: { kind: "REPORT", id: reportId },
        members: [{ id: owner.id }],
        reason: "Counterfeit",
        details: { action: "HIDE_LISTING", reportSubject: "LISTING", targetId: listing.id },
      }),
    ]);
    expect(await auditEntries({ memberId: reporter.id })).toEqual([]);

    // Once listings' job took it down, lifting the takedown is recorded; lifting a listing not down is not.
    await eventually(
      "the listing taken down",
      () => reporter.client.data<{ listing: unknown }>(LISTING, { id: listing.id }),
      (d) => d.listing === null,
    );
    expect((await admin.client.data<{ restoreListing: Errors }>(RESTORE, { id: listing.id })).restoreListing.errors).toEqual([]);
    expect((await admin.client.data<{ restoreListing: Errors }>(RESTORE, { id: listing.id })).restoreListing.errors).toEqual([]);
    const restored = await auditEntries({ memberId: owner.id, actions: ["LISTING_RESTORED"] });
    expect(restored).toEqual([expect.objectContaining({ admin: { id: admin.id }, subject: { kind: "LISTING", id: listing.id }, members: [{ id: owner.id }] })]);
  });
});
