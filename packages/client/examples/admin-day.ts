// An admin's day, with the typed documents of @localex/client only (issue 23): two members trade,
// one disputes it; the dispute appears in the admins' queue, an admin takes it and resolves it
// (the escrow released, both parties told why); a report on a listing leads to its takedown; the
// listing's owner is suspended (signed out, refused new listings), then reinstated; and the admin
// audit log shows each step.
//
//   npx -y pnpm@12 start                                   # the graph, in another terminal
//   npx -y pnpm@12 admin grant you@example.org             # once: an admin (register first)
//   ADMIN_EMAIL=you@example.org ADMIN_PASSWORD=… npx -y pnpm@12 client:admin-day
//
// tests/platform/client.test.ts runs the same day against the test graph.
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import {
  AcceptTradeDocument,
  AdminAuditLogDocument,
  CategoriesDocument,
  CreateListingDocument,
  DisputesDocument,
  ListingDetailDocument,
  LocalexClient,
  LoginDocument,
  MySuspensionDocument,
  OpenDisputeDocument,
  ProposeTradeDocument,
  PublishListingDocument,
  RegisterDocument,
  ReinstateMemberDocument,
  ReportListingDocument,
  ReportsDocument,
  ResolveDisputeDocument,
  ResolveReportDocument,
  SuspendMemberDocument,
  TakeDisputeDocument,
  VerifyEmailDocument,
  type AdminAuditLogQuery,
  type DisputeFieldsFragment,
} from "../src/index.ts";
import { devInboxLinkToken, expectNoErrors, poll } from "./journey.ts";

export interface AdminDayOptions {
  /** The gateway's HTTP endpoint, e.g. http://localhost:4000/graphql. */
  gatewayUrl: string;
  /** An admin's sign-in (an operator grants the role: `pnpm admin grant <email>`). */
  admin: { email: string; password: string };
  /** The token of the verification link mailed to `email` (in development: GET /dev/mail?to=…). */
  verificationToken: (email: string) => Promise<string>;
  /** Headers each new member's requests carry (a test gives each its own client address). */
  memberHeaders?: () => Record<string, string>;
  log?: (line: string) => void;
}

export interface AdminDayResult {
  cleo: { id: string };
  dan: { id: string };
  /** The dispute as the queue showed it before the admin took it. */
  queued: DisputeFieldsFragment;
  resolvedStatus: string;
  /** Whether Cleo could still see Dan's listing after the takedown (she should not). */
  listingSeenAfterTakedown: boolean;
  /** What Dan read, signed in again while suspended, and what creating a listing answered. */
  suspension: { reason: string; until: string | null } | null;
  refusedWhileSuspended: string[];
  audit: AdminAuditLogQuery["adminAuditLog"]["edges"][number]["node"][];
}

const PASSWORD = "correct horse battery staple";

export async function adminDay(options: AdminDayOptions): Promise<AdminDayResult> {
  const log = options.log ?? (() => {});
  const anonymous = new LocalexClient({ url: options.gatewayUrl });
  const run = randomUUID().slice(0, 8);
  const { login: adminLogin } = await anonymous.request(LoginDocument, { input: options.admin });
  const admin = anonymous.withToken(adminLogin.accessToken);
  const { categories } = await anonymous.request(CategoriesDocument);
  const category = categories[0];
  if (!category) throw new Error("the graph has no categories");
  const categoryId = category.id;

  async function signUp(displayName: string) {
    const email = `${displayName.toLowerCase()}-${run}@example.org`;
    const client = anonymous.withHeaders(options.memberHeaders?.() ?? {});
    const { register } = await client.request(RegisterDocument, { input: { email, password: PASSWORD, displayName } });
    const { verifyEmail } = await client.request(VerifyEmailDocument, { token: await options.verificationToken(email) });
    if (!verifyEmail.user?.emailVerified) throw new Error(`verifyEmail refused ${email}`);
    return { id: register.user.id, email, client: client.withToken(register.accessToken) };
  }
  const cleo = await signUp("Cleo");
  const dan = await signUp("Dan");

  async function danLists(title: string): Promise<string> {
    const { createListing } = await dan.client.request(CreateListingDocument, {
      idempotencyKey: `admin-day-${run}-${title}`,
      input: { title, description: `${title}, as seen in the photos.`, categoryId, condition: "GOOD", creditPrice: 10, location: { lat: 52.09, lon: 5.12 } },
    });
    const id = expectNoErrors("createListing", createListing).listing!.id;
    expectNoErrors("publishListing", (await dan.client.request(PublishListingDocument, { id })).publishListing);
    return id;
  }

  // 1. A trade goes wrong: Cleo pays 10 credits into escrow for Dan's lamp, then disputes it.
  const lamp = await danLists("Brass desk lamp");
  const welcome = await poll("Cleo's welcome credits", async () => {
    const proposed = await cleo.client.request(ProposeTradeDocument, {
      idempotencyKey: `admin-day-${run}-proposal`,
      input: { recipientId: dan.id, requestedListingIds: [lamp], offeredCredits: 10, message: "Is it still working?" },
    });
    return proposed.proposeTrade.errors.some((e) => e.code === "INSUFFICIENT_FUNDS") ? null : proposed;
  });
  const tradeId = expectNoErrors("proposeTrade", welcome.proposeTrade).trade!.id;
  expectNoErrors("acceptTrade", (await dan.client.request(AcceptTradeDocument, { id: tradeId, idempotencyKey: `admin-day-${run}-accept` })).acceptTrade);
  expectNoErrors("openDispute", (await cleo.client.request(OpenDisputeDocument, { id: tradeId, reason: "The lamp never arrived." })).openDispute);
  log("Cleo and Dan traded (10 credits in escrow); Cleo disputed it: the lamp never arrived");

  // 2. The dispute appears in the queue (oldest first), is taken, and resolved.
  const queued = await poll("the dispute in the queue", async () => {
    let after: string | null = null;
    for (;;) {
      const { disputes }: { disputes: { edges: { node: DisputeFieldsFragment }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } } =
        await admin.request(DisputesDocument, { status: "OPEN" as const, first: 50, after });
      const found = disputes.edges.find((e) => e.node.trade.id === tradeId);
      if (found) return found.node;
      if (!disputes.pageInfo.hasNextPage) return null;
      after = disputes.pageInfo.endCursor ?? null;
    }
  });
  log(
    `the admin sees the dispute in the queue (opened by ${queued.openedBy}: "${queued.reason}"), escrow ${queued.trade.escrow?.amount} ${queued.trade.escrow?.status}`,
  );
  const taken = expectNoErrors("takeDispute", (await admin.request(TakeDisputeDocument, { tradeId })).takeDispute);
  log(`the admin took it until ${taken.dispute?.claimedUntil}`);
  const resolved = expectNoErrors(
    "resolveDispute",
    (await admin.request(ResolveDisputeDocument, { id: tradeId, outcome: "CANCEL", reason: "Dan confirmed the lamp was never handed over." })).resolveDispute,
  );
  log(`the admin resolved it: the trade is ${resolved.trade?.status}, the escrow released to Cleo`);

  // 3. A report on a listing leads to a takedown.
  const replica = await danLists("Designer handbag, replica");
  const { reportListing } = await cleo.client.request(ReportListingDocument, { listingId: replica, reason: "COUNTERFEIT", details: "It says replica." });
  const reportId = expectNoErrors("reportListing", reportListing).report!.id;
  const { reports } = await admin.request(ReportsDocument, { status: "OPEN", first: 100 });
  if (!reports.edges.some((e) => e.node.id === reportId)) throw new Error("the report is not in the admins' queue");
  expectNoErrors(
    "resolveReport",
    (await admin.request(ResolveReportDocument, { id: reportId, action: "HIDE_LISTING", note: "Counterfeit goods." })).resolveReport,
  );
  const gone = await poll("the listing taken down", async () => ((await cleo.client.request(ListingDetailDocument, { id: replica })).listing ? null : true));
  log("Cleo reported the replica handbag; the admin took it down, and it is gone for everyone but Dan and admins");

  // 4. Dan is suspended: signed out at once, told why, refused new listings; then reinstated.
  expectNoErrors("suspendMember", (await admin.request(SuspendMemberDocument, { userId: dan.id, reason: "Listing counterfeit goods." })).suspendMember);
  const { login: again } = await anonymous.request(LoginDocument, { input: { email: dan.email, password: PASSWORD } });
  const suspended = anonymous.withToken(again.accessToken);
  const { me } = await suspended.request(MySuspensionDocument);
  const { createListing: refused } = await suspended.request(CreateListingDocument, {
    idempotencyKey: `admin-day-${run}-while-suspended`,
    input: { title: "Another handbag", description: "Another one.", categoryId, condition: "GOOD", creditPrice: 10, location: null },
  });
  log(
    `the admin suspended Dan; signed in again he reads "${me?.suspension?.reason}" and a new listing is refused: ${refused.errors.map((e) => e.code).join(", ")}`,
  );
  expectNoErrors("reinstateMember", (await admin.request(ReinstateMemberDocument, { userId: dan.id })).reinstateMember);
  log("the admin reinstated Dan");

  // 5. The audit log shows each step, newest first.
  const { adminAuditLog } = await admin.request(AdminAuditLogDocument, { filter: { memberId: dan.id }, first: 20 });
  for (const { node } of [...adminAuditLog.edges].reverse())
    log(`audit: ${node.at} ${node.action} on ${node.subject.kind}${node.reason ? `: ${node.reason}` : ""}`);

  return {
    cleo: { id: cleo.id },
    dan: { id: dan.id },
    queued,
    resolvedStatus: resolved.trade?.status ?? "unknown",
    listingSeenAfterTakedown: !gone,
    suspension: me?.suspension ?? null,
    refusedWhileSuspended: refused.errors.map((e) => e.code),
    audit: adminAuditLog.edges.map((e) => e.node),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const gatewayUrl = process.env.GATEWAY_URL ?? "http://localhost:4000/graphql";
  const email = process.env.ADMIN_EMAIL;
  const password = process.env.ADMIN_PASSWORD;
  if (!email || !password) {
    console.error("Set ADMIN_EMAIL and ADMIN_PASSWORD to an admin's sign-in (register, then `npx -y pnpm@12 admin grant <email>`).");
    process.exit(2);
  }
  try {
    await adminDay({
      gatewayUrl,
      admin: { email, password },
      verificationToken: devInboxLinkToken(gatewayUrl, "verify-email"),
      log: (line) => console.log(`• ${line}`),
    });
    console.log("The admin's day is done.");
  } catch (error) {
    console.error(`The admin's day failed against ${gatewayUrl}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
