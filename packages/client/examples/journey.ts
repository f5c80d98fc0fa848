// The journey a front end walks, with the typed documents of @localex/client only:
// two members sign up (and verify their email, which brings the welcome credits); Ben forgets his
// password, resets it from the mailed link and signs in again; Ann lists a drill and publishes
// it, Ben finds it by search and proposes a trade with a message, Ann receives it live over
// graphql-ws, answers, counters, Ben accepts (credits held in escrow), Ann shares where to meet,
// both confirm (the escrow settles), Ben leaves feedback that anyone reads on Ann's profile, and
// sends her a few credits more as thanks.
//
//   npx -y pnpm@12 start            # the graph, in another terminal
//   npx -y pnpm@12 client:example   # GATEWAY_URL=http://localhost:4000/graphql by default
//
// tests/platform/client.test.ts runs the same journey against the test graph.
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import {
  AcceptTradeDocument,
  CategoriesDocument,
  ConfirmTradeCompletionDocument,
  CounterTradeDocument,
  CreateListingDocument,
  createSubscriptionClient,
  FindMembersDocument,
  InboxDocument,
  LeaveFeedbackDocument,
  ListingDetailDocument,
  LocalexClient,
  LoginDocument,
  MarkNotificationsReadDocument,
  MeDocument,
  MemberProfileDocument,
  NotificationAddedDocument,
  ProposeTradeDocument,
  PublishListingDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SearchListingsDocument,
  SendTradeMessageDocument,
  ShareHandOverPointDocument,
  subscribe,
  TradeConversationDocument,
  TradeUpdatedDocument,
  TransferCreditsDocument,
  VerifyEmailDocument,
  type MemberProfileQuery,
  type MeQuery,
  type NotificationAddedSubscription,
  type NotificationSubjectFragment,
  type SearchListingsQuery,
  type TradeConversationQuery,
  type TradeDetailsFragment,
  type TradeUpdatedSubscription,
} from "../src/index.ts";

export interface JourneyOptions {
  /** The gateway's HTTP endpoint, e.g. http://localhost:4000/graphql. */
  gatewayUrl: string;
  /** Its graphql-ws endpoint; by default the same address with ws(s):. */
  wsUrl?: string;
  /** The token of the verification link mailed to `email` (in development: GET /dev/mail?to=…). */
  verificationToken: (email: string) => Promise<string>;
  /** The token of the password-reset link mailed to `email`. */
  resetToken: (email: string) => Promise<string>;
  /** Headers each new member's requests carry (a test gives each its own client address). */
  memberHeaders?: () => Record<string, string>;
  /**
   * Resolves once Ann's subscriptions are live. graphql-ws does not acknowledge a subscription's
   * start; by default the journey waits for the socket to be connected and a moment more.
   */
  untilListening?: (ann: Member, live: Live<TradeUpdatedSubscription>) => Promise<unknown>;
  log?: (line: string) => void;
}

export interface Member {
  id: string;
  email: string;
  displayName: string;
  /** The public handle chosen at registration (`@ann_…`). */
  handle: string;
  accessToken: string;
  client: LocalexClient;
}

/** What a subscription delivered, in order, and a way to wait for a particular result. */
export class Live<T> {
  readonly results: { data: T }[] = [];
  private failure: unknown;
  private wake: (() => void)[] = [];

  constructor(events: AsyncGenerator<T, void, undefined>) {
    void (async () => {
      try {
        for await (const data of events) {
          this.results.push({ data });
          this.notify();
        }
      } catch (error) {
        this.failure = error;
        this.notify();
      }
    })();
  }

  async until(matches: (result: { data?: unknown }) => boolean, what = "a result", timeoutMs = 15_000): Promise<{ data: T }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.results.find(matches);
      if (found) return found;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  private notify() {
    for (const wake of this.wake.splice(0)) wake();
  }
}

export interface JourneyResult {
  ann: Member;
  ben: Member;
  listingId: string;
  found: SearchListingsQuery["search"];
  /** The proposal as Ann received it over graphql-ws. */
  receivedLive: TradeUpdatedSubscription["tradeUpdated"];
  notification: NotificationAddedSubscription["notificationAdded"];
  completed: TradeDetailsFragment;
  /** Where Ann asked to meet, as Ben reads it. */
  handOver: NonNullable<NonNullable<TradeConversationQuery["trade"]>["handOverPoint"]>;
  /** Ann's feedback, as anyone reads it on her profile. */
  feedback: NonNullable<MemberProfileQuery["user"]>["feedback"];
  balances: { ann: NonNullable<MeQuery["me"]>; ben: NonNullable<MeQuery["me"]> };
}

const WELCOME_CREDITS = 100;

export async function journey(options: JourneyOptions): Promise<JourneyResult> {
  const log = options.log ?? (() => {});
  const wsUrl = options.wsUrl ?? options.gatewayUrl.replace(/^http/, "ws");
  const anonymous = new LocalexClient({ url: options.gatewayUrl });
  const run = randomUUID().slice(0, 8);

  const { categories } = await anonymous.request(CategoriesDocument);
  const category = categories.find((c) => /tool/i.test(c.slug)) ?? categories[0];
  if (!category) throw new Error("the graph has no categories");

  async function signUp(displayName: string): Promise<Member> {
    const email = `${displayName.toLowerCase()}-${run}@example.org`;
    const client = anonymous.withHeaders(options.memberHeaders?.() ?? {});
    const handle = `${displayName.toLowerCase()}_${run}`;
    const { register } = await client.request(RegisterDocument, { input: { email, password: "correct horse battery staple", displayName, handle } });
    const { verifyEmail } = await client.request(VerifyEmailDocument, { token: await options.verificationToken(email) });
    if (!verifyEmail.user?.emailVerified) throw new Error(`verifyEmail refused ${email}: ${JSON.stringify(verifyEmail.errors)}`);
    log(`${displayName} registered as ${email} (@${handle}) and verified the address`);
    return { id: register.user.id, email, displayName, handle, accessToken: register.accessToken, client: client.withToken(register.accessToken) };
  }

  async function welcomeCredits(member: Member): Promise<NonNullable<MeQuery["me"]>> {
    // The ledger posts the welcome grant shortly after verification.
    return poll(`${member.displayName}'s welcome credits`, async () => {
      const { me } = await member.client.request(MeDocument);
      return me?.account && me.account.balance >= WELCOME_CREDITS ? me : null;
    });
  }

  const ann = await signUp("Ann");
  let ben = await signUp("Ben");
  await Promise.all([welcomeCredits(ann), welcomeCredits(ben)]);
  log(`both have ${WELCOME_CREDITS} welcome credits`);

  // Ben forgot his password: a link by mail, a new password (every session ends), a new sign-in.
  expectNoErrors(
    "requestPasswordReset",
    (await ben.client.withToken(undefined).request(RequestPasswordResetDocument, { email: ben.email })).requestPasswordReset,
  );
  const newPassword = "a brand new battery staple";
  const token = await options.resetToken(ben.email);
  expectNoErrors("resetPassword", (await ben.client.withToken(undefined).request(ResetPasswordDocument, { token, newPassword })).resetPassword);
  const { login } = await ben.client.withToken(undefined).request(LoginDocument, { input: { email: ben.email, password: newPassword } });
  ben = { ...ben, accessToken: login.accessToken, client: ben.client.withToken(login.accessToken) };
  log("Ben forgot his password, reset it from the mailed link and signed in again");

  const word = `drill${run}`;
  const created = await ann.client.request(CreateListingDocument, {
    idempotencyKey: `journey-${run}`,
    input: {
      title: `Cordless ${word}`,
      description: `An 18 V cordless drill (${word}) with two batteries, hardly used.`,
      categoryId: category.id,
      condition: "GOOD",
      creditPrice: 25,
      location: { lat: 52.0907, lon: 5.1214 },
    },
  });
  const listing = expectNoErrors("createListing", created.createListing).listing!;
  const published = expectNoErrors("publishListing", (await ann.client.request(PublishListingDocument, { id: listing.id })).publishListing);
  log(`Ann listed "${listing.title}" (${listing.id}) and published it: ${published.listing?.status}`);

  // The search index follows listings shortly after they change.
  const found = await poll("the listing in search", async () => {
    const { search } = await ben.client.request(SearchListingsDocument, {
      query: word,
      filter: { categoryIds: [category.id], conditions: ["GOOD", "LIKE_NEW"], maxCredits: 50, near: { lat: 52.09, lon: 5.12, radiusKm: 10 } },
      sort: "RELEVANCE",
      first: 10,
    });
    return search.edges.some((e) => e.node.id === listing.id) ? search : null;
  });
  const { listing: detail } = await ben.client.request(ListingDetailDocument, { id: listing.id });
  log(`Ben found it by search (${found.totalCount} match, ${detail?.photos?.length ?? 0} photos, owner ${detail?.owner?.displayName ?? "(unavailable)"})`);

  const socket = createSubscriptionClient({ url: wsUrl, token: ann.accessToken, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  try {
    const connected = new Promise<void>((resolve) => socket.on("connected", () => resolve()));
    const trades = new Live(subscribe(socket, TradeUpdatedDocument, {}));
    const notifications = new Live(subscribe(socket, NotificationAddedDocument));
    await connected;
    await (options.untilListening?.(ann, trades) ?? new Promise((resolve) => setTimeout(resolve, 500)));
    log("Ann follows her trades and notifications over graphql-ws");

    const proposal = await ben.client.request(ProposeTradeDocument, {
      idempotencyKey: `journey-${run}-proposal`,
      input: { recipientId: ann.id, requestedListingIds: [listing.id], offeredCredits: 20, message: "Would 20 credits do?" },
    });
    const trade = expectNoErrors("proposeTrade", proposal.proposeTrade).trade!;
    log(`Ben proposed trade ${trade.id}: 20 credits for the drill`);
    const sent = await ben.client.request(SendTradeMessageDocument, {
      tradeId: trade.id,
      body: "Does it come with the charger?",
      idempotencyKey: `journey-${run}-m1`,
    });
    expectNoErrors("sendTradeMessage", sent.sendTradeMessage);

    const about = (status: string) => (r: { data?: unknown }) => {
      const t = (r.data as TradeUpdatedSubscription | undefined)?.tradeUpdated;
      return t?.id === trade.id && t.status === status && !t.pending;
    };
    const receivedLive = (await trades.until(about("PROPOSED"), "the proposal, live")).data.tradeUpdated;
    const notification = (
      await notifications.until(
        (r) => (r.data as NotificationAddedSubscription | undefined)?.notificationAdded.trade?.id === trade.id,
        "the TRADE_PROPOSED notification",
      )
    ).data.notificationAdded;
    log(`Ann received it live: ${receivedLive.status} from ${receivedLive.proposer?.displayName ?? "(unavailable)"}; notification "${notification.message}"`);

    const asked = await poll("Ben's message in the conversation", async () => {
      const { trade: talk } = await ann.client.request(TradeConversationDocument, { id: trade.id, first: 20 });
      return talk?.messages?.totalCount ? talk.messages : null;
    });
    expectNoErrors(
      "sendTradeMessage",
      (await ann.client.request(SendTradeMessageDocument, { tradeId: trade.id, body: "Yes, and both batteries." })).sendTradeMessage,
    );
    log(`Ann read "${asked.edges[0]?.node.body}" from ${asked.edges[0]?.node.author.displayName} and answered`);

    const countered = expectNoErrors(
      "counterTrade",
      (await ann.client.request(CounterTradeDocument, { id: trade.id, input: { offeredCredits: 25, message: "25 and it's yours" } })).counterTrade,
    ).trade!;
    log(`Ann countered: ${countered.offeredCredits} credits (${countered.status})`);
    const accepted = expectNoErrors(
      "acceptTrade",
      (await ben.client.request(AcceptTradeDocument, { id: trade.id, idempotencyKey: `journey-${run}-accept` })).acceptTrade,
    ).trade!;
    log(`Ben accepted: ${accepted.status}, escrow ${accepted.escrow?.amount} ${accepted.escrow?.status}`);

    // Where to meet: exact, for Ben only (listings show a point within about 500 m).
    const meet = { lat: 52.09123, lon: 5.12187 };
    expectNoErrors(
      "shareHandOverPoint",
      (await ann.client.request(ShareHandOverPointDocument, { tradeId: trade.id, point: meet, note: "Blue door, ring twice" })).shareHandOverPoint,
    );
    const { trade: agreed } = await ben.client.request(TradeConversationDocument, { id: trade.id, first: 20 });
    const handOver = agreed?.handOverPoint;
    if (!handOver) throw new Error("Ben does not see the hand-over point");
    log(`Ann shared where to meet; Ben sees ${handOver.lat}, ${handOver.lon} ("${handOver.note}") and ${agreed.messages?.totalCount} messages`);

    expectNoErrors("confirmTradeCompletion", (await ann.client.request(ConfirmTradeCompletionDocument, { id: trade.id })).confirmTradeCompletion);
    expectNoErrors("confirmTradeCompletion", (await ben.client.request(ConfirmTradeCompletionDocument, { id: trade.id })).confirmTradeCompletion);
    const completed = (await trades.until(about("COMPLETED"), "the completed trade, live")).data.tradeUpdated;
    log(`both confirmed: ${completed.status}, escrow ${completed.escrow?.status}`);

    const left = await ben.client.request(LeaveFeedbackDocument, { tradeId: trade.id, rating: 5, comment: "Drill as described, friendly hand-over." });
    expectNoErrors("leaveFeedback", left.leaveFeedback);
    const { user: profile } = await anonymous.request(MemberProfileDocument, { id: ann.id, first: 5 });
    const feedback = profile?.feedback?.edges[0]?.node;
    log(
      `Ben left feedback; anyone reads it on Ann's profile: ${feedback?.rating}/5 "${feedback?.comment}" by ${feedback?.author.displayName} (rating ${profile?.rating})`,
    );

    // A thank-you: Ben finds Ann by her handle and sends credits to it (a member sends their
    // welcome credits to another only after a completed trade: the ledger hears of the
    // completion a moment after it, and `account.transferable` says when).
    await untilTransferable(ben.client, 5);
    const { members } = await ben.client.request(FindMembersDocument, { query: `@${ann.handle}`, first: 5 });
    const foundAnn = members.edges[0]?.node;
    if (foundAnn?.id !== ann.id) throw new Error(`looking up @${ann.handle} found ${JSON.stringify(members.edges.map((e) => e.node))}`);
    log(`Ben found @${foundAnn.handle} (${foundAnn.displayName}) among ${members.totalCount} member(s)`);
    const thanks = await ben.client.request(TransferCreditsDocument, {
      idempotencyKey: `journey-${run}-thanks`,
      input: { toHandle: ann.handle, amount: 5, memo: "Thanks for the drill!" },
    });
    expectNoErrors("transferCredits", thanks.transferCredits);
    log(`Ben sent Ann ${thanks.transferCredits.transfer?.amount} credits: "${thanks.transferCredits.transfer?.memo}"`);

    const { notifications: inbox } = await ann.client.request(InboxDocument, { first: 20, unreadOnly: true });
    const read = await ann.client.request(MarkNotificationsReadDocument, { ids: inbox.edges.map((e) => e.node.id) });
    // Each notification links to what it is about, for the inbox to open it.
    const subjects = inbox.edges.map(({ node: n }) => `${n.kind} → ${subjectOf(n)}`);
    log(`Ann's inbox had ${inbox.unreadCount} unread (${subjects.join("; ")}); marked ${read.markNotificationsRead} read`);

    const balances = { ann: (await ann.client.request(MeDocument)).me!, ben: (await ben.client.request(MeDocument)).me! };
    log(`balances: Ann ${balances.ann.account?.balance}, Ben ${balances.ben.account?.balance}`);
    return { ann, ben, listingId: listing.id, found, receivedLive, notification, completed, handOver, feedback: profile?.feedback ?? null, balances };
  } finally {
    await socket.dispose();
  }
}

/** Where a notification links to: its trade, photo (and job), export job, transfer or verification request. */
export function subjectOf(n: NotificationSubjectFragment): string {
  if (n.trade) return `trade ${n.trade.id} (${n.trade.status})`;
  if (n.media) return `media ${n.media.id} (${n.media.status})`;
  if (n.job) return `${n.job.kind} job ${n.job.id} (${n.job.status})`;
  if (n.transferId) return `transfer ${n.transferId} (in ledgerEntries)`;
  if (n.verificationRequest) return `verification request ${n.verificationRequest.id} (${n.verificationRequest.status})`;
  return "nothing to open";
}

/** Waits (up to 10 s) until the member can send `amount` credits to another. */
async function untilTransferable(client: LocalexClient, amount: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const { me } = await client.request(MeDocument);
    if ((me?.account?.transferable ?? 0) >= amount) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the member still cannot send ${amount} credits`);
}

export function expectNoErrors<T extends { errors: { code: string; message: string; field: string | null }[] }>(what: string, payload: T): T {
  if (payload.errors.length > 0) throw new Error(`${what}: ${payload.errors.map((e) => `${e.code} ${e.message}${e.field ? ` (${e.field})` : ""}`).join("; ")}`);
  return payload;
}

export async function poll<T>(what: string, attempt: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The token of the newest link to `path` (verify-email, reset-password) mailed to an address, from
 * the development inbox (`GET /dev/mail?to=`, newest first) on the gateway.
 */
export function devInboxLinkToken(gatewayUrl: string, path: "verify-email" | "reset-password"): (email: string) => Promise<string> {
  return (email) =>
    poll(`the ${path} mail to ${email}`, async () => {
      const response = await fetch(new URL(`/dev/mail?to=${encodeURIComponent(email)}`, gatewayUrl), { headers: { accept: "application/json" } });
      if (response.status === 404) throw new Error("this graph sends mail to SMTP_URL: there is no development inbox at /dev/mail");
      if (!response.ok) return null;
      const mail = (await response.json()) as { to: string; subject: string; text: string; html: string }[];
      for (const m of mail) {
        const token = new RegExp(`${path}\\?token=([A-Za-z0-9_.-]+)`).exec(`${m.text}\n${m.html.replace(/&amp;/g, "&")}`)?.[1];
        if (token) return token;
      }
      return null;
    });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const gatewayUrl = process.env.GATEWAY_URL ?? "http://localhost:4000/graphql";
  try {
    await journey({
      gatewayUrl,
      wsUrl: process.env.GATEWAY_WS_URL,
      verificationToken: devInboxLinkToken(gatewayUrl, "verify-email"),
      resetToken: devInboxLinkToken(gatewayUrl, "reset-password"),
      log: (line) => console.log(`• ${line}`),
    });
    console.log("The journey is complete.");
  } catch (error) {
    console.error(`The journey failed against ${gatewayUrl}: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof TypeError && /fetch failed/.test(error.message)) console.error("Is the graph running? `npx -y pnpm@12 start` in another terminal.");
    process.exitCode = 1;
  }
}
