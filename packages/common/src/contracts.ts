import { z } from "zod";

/**
 * What subgraphs agree on without importing each other: job names and payloads on the
 * shared queue, and event topics for live subscriptions. docs/contracts.md explains each.
 */

/** Job names on the shared queue, `<owner subgraph>:<task>`: every job, a subgraph's private ones included. */
export const TASKS = {
  /** identity → ledger, in the transaction that verifies the member's email: grant the welcome credits. */
  welcomeGrant: "ledger:welcome-grant",
  /** trades → ledger, in the transaction that completes a trade: its parties' welcome credits become transferable. */
  tradeCompleted: "ledger:trade-completed",
  /** listings → search, in the transaction of every listing change: (re)index the listing. */
  indexListing: "search:index-listing",
  /** trades, scheduled for a proposal's expiresAt: expire it if still open. */
  expireTrade: "trades:expire-trade",
  /** media, in the transaction that records an upload: scan, check and render it. */
  processMedia: "media:process",
  /** media, hourly: orphan cleanup. */
  cleanUpMedia: "media:cleanup",
  /** trades, ledger, media → identity, in the transaction of the change: tell a member about it. */
  notify: "identity:notify",
  /** trades → identity, in the transaction that moves a trade to DISPUTED: tell every admin a dispute waits in the queue. */
  notifyAdmins: "identity:notify-admins",
  /** identity: one email for a member's unsent notifications of one kind (a digest). */
  sendNotificationEmail: "identity:send-notification-email",
  /** identity: a notification to each of a member's push subscriptions. */
  sendNotificationPush: "identity:send-notification-push",
  /** identity → media, in the transaction of `requestDataExport`: gather the member's data into one archive. */
  exportMemberData: "media:export-member-data",
  /** ledger → media, in the transaction of `requestStatement`: write the member's statement for a range as CSV. */
  ledgerStatement: "media:ledger-statement",
  /** media, in the transaction that deletes or takes down public media: remove its public objects (again) and purge their URLs from the CDN. */
  purgeMedia: "media:purge",
  /** identity → media, scheduled in the transaction that decides a verification request: delete its documents. */
  deleteDocuments: "media:delete-documents",
  /** identity, in the transaction of `deleteMyAccount`: take the account apart, step by step, resumably. */
  deleteAccount: "identity:delete-account",
  /** identity, hourly: queue again every deletion not finished (a job that gave up, or was lost). */
  resumeDeletions: "identity:resume-deletions",
  /** identity, in the transaction that registers a member (or asks again): mail the link that verifies their email. */
  sendVerificationEmail: "identity:send-verification-email",
  /** identity, in the transaction of requestPasswordReset, resetPassword or changePassword: the reset link, or the notice that the password changed. */
  sendPasswordEmail: "identity:send-password-email",
  /** identity, in the transaction of changeEmail: the confirmation link to the new address, or the notice with an undo link to the old one. */
  sendEmailChangeEmail: "identity:send-email-change-email",
  /** listings, at start and on its crontab (RECALLS_REFRESH_MINUTES): fetch the product recalls again. */
  refreshRecalls: "listings:refresh-recalls",
  /** identity → listings, in the transaction of suspendMember or reinstateMember: hide every listing of the member, or show again those a suspension hid. */
  memberSuspension: "listings:member-suspension",
  /** identity → listings, in the transaction of resolveReport(HIDE_LISTING): take the listing down (hidden from all but its owner and admins), telling the owner why. */
  takeDownListing: "listings:take-down",
} as const;

/** What a member can be told about (identity's NotificationKind). */
export const NOTIFICATION_KINDS = [
  "TRADE_PROPOSED",
  "TRADE_COUNTERED",
  "TRADE_ACCEPTED",
  "TRADE_DECLINED",
  "TRADE_CANCELLED",
  "TRADE_EXPIRED",
  "TRADE_COMPLETED",
  "TRADE_DISPUTED",
  "TRADE_RESOLVED",
  /** The counterpart wrote on a trade; one unread per trade at a time (identity's notify collapses a burst). */
  "TRADE_MESSAGE",
  "CREDITS_RECEIVED",
  "PHOTO_READY",
  "PHOTO_FAILED",
  "UPLOAD_INFECTED",
  "VERIFICATION_APPROVED",
  "VERIFICATION_REJECTED",
  "DATA_EXPORT_READY",
  /** Trust and safety (issue 23): a member's suspension and its end, a report's outcome (never who acted), a listing or a file taken down, a dispute waiting for an admin. */
  "MEMBER_SUSPENDED",
  "MEMBER_REINSTATED",
  "REPORT_RESOLVED",
  "LISTING_HIDDEN",
  "LISTING_RESTORED",
  "MEDIA_TAKEN_DOWN",
  "DISPUTE_OPENED",
] as const;
export type NotificationKindName = (typeof NOTIFICATION_KINDS)[number];

const LISTING_STATUSES = ["DRAFT", "ACTIVE", "RESERVED", "TRADED", "ARCHIVED"] as const;
const ITEM_CONDITIONS = ["NEW", "LIKE_NEW", "GOOD", "FAIR", "POOR"] as const;
export type ListingStatusName = (typeof LISTING_STATUSES)[number];
export type ItemConditionName = (typeof ITEM_CONDITIONS)[number];

/** A listing as the search index sees it: a snapshot taken in the transaction that changed it. */
export const listingDocumentSchema = z.object({
  id: z.uuid(),
  ownerId: z.string().min(1),
  title: z.string(),
  description: z.string(),
  categoryId: z.string().min(1),
  categorySlug: z.string(),
  condition: z.enum(ITEM_CONDITIONS),
  status: z.enum(LISTING_STATUSES),
  creditPrice: z.number().int().nullable(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Increases with every change; the index ignores a snapshot older than what it holds. */
  version: z.number().int().nonnegative(),
});
export type ListingDocument = z.infer<typeof listingDocumentSchema>;

/**
 * Every job's payload, by task: checked when the job is enqueued (a wrong payload is a bug in
 * the enqueuing code, and throws there) and when it runs (one that fails is logged and dropped:
 * it can never succeed, so it is not retried).
 */
export const JOB_PAYLOADS = {
  [TASKS.welcomeGrant]: z.object({ userId: z.uuid() }),
  [TASKS.tradeCompleted]: z.object({ tradeId: z.uuid(), memberIds: z.array(z.uuid()).min(1).max(2) }),
  [TASKS.indexListing]: z.object({ listing: listingDocumentSchema }),
  [TASKS.expireTrade]: z.object({ tradeId: z.uuid() }),
  [TASKS.processMedia]: z.object({ jobId: z.uuid() }),
  // Scheduled by graphile-worker's crontab, which sends its own bookkeeping.
  [TASKS.cleanUpMedia]: z.object({}).loose(),
  [TASKS.notify]: z.object({
    userId: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    /** The same key records one notification however often the job runs (e.g. `trade-event:<id>:<userId>`). */
    key: z.string().min(1).max(200),
    tradeId: z.uuid().nullable().default(null),
    /** What else it is about, linked from the notification (Notification.media, job, transferId, verificationRequest). */
    mediaId: z.uuid().nullable().default(null),
    jobId: z.uuid().nullable().default(null),
    transferId: z.uuid().nullable().default(null),
    verificationRequestId: z.uuid().nullable().default(null),
    /** What the message names: an amount of credits, a file's name, a reason. */
    details: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  }),
  /** `key`: one notification per admin however often it runs (`<key>:<adminId>`). */
  [TASKS.notifyAdmins]: z.object({
    kind: z.enum(["DISPUTE_OPENED"]),
    key: z.string().min(1).max(160),
    tradeId: z.uuid().nullable().default(null),
    details: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  }),
  [TASKS.sendNotificationEmail]: z.object({ userId: z.uuid(), kind: z.enum(NOTIFICATION_KINDS) }),
  /** `userId`: the notification's member, whose pushes wait in one line (JOB_POLICIES). */
  [TASKS.sendNotificationPush]: z.object({ notificationId: z.uuid(), userId: z.uuid() }),
  [TASKS.exportMemberData]: z.object({ jobId: z.uuid() }),
  /** The range and kinds are the job row's `input` (so retryJob runs the same statement again). */
  [TASKS.ledgerStatement]: z.object({ jobId: z.uuid() }),
  /** `keys`: the public objects (under public/) to delete at the origin; `urls`: what the CDN was serving them at, to purge. */
  [TASKS.purgeMedia]: z.object({
    mediaId: z.uuid(),
    keys: z.array(z.string().startsWith("public/")).min(1).max(16),
    urls: z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .max(16),
  }),
  [TASKS.deleteDocuments]: z.object({ ownerId: z.uuid(), mediaIds: z.array(z.uuid()).min(1).max(10) }),
  [TASKS.deleteAccount]: z.object({ userId: z.uuid() }),
  // Scheduled by graphile-worker's crontab, which sends its own bookkeeping.
  [TASKS.resumeDeletions]: z.object({}).loose(),
  [TASKS.sendVerificationEmail]: z.object({ userId: z.uuid() }),
  /** `at`: when it was asked for (the notice names the time of the change). */
  [TASKS.sendPasswordEmail]: z.object({ userId: z.uuid(), kind: z.enum(["reset-link", "changed"]), at: z.iso.datetime() }),
  /** `changeId`: the pending change (identity's email_changes); the job signs its link when it runs. */
  [TASKS.sendEmailChangeEmail]: z.object({ changeId: z.uuid(), kind: z.enum(["confirm-link", "undo-notice"]) }),
  // Scheduled by graphile-worker's crontab too (and once at start, with an empty payload).
  [TASKS.refreshRecalls]: z.object({}).loose(),
  [TASKS.memberSuspension]: z.object({ userId: z.uuid(), suspended: z.boolean() }),
  [TASKS.takeDownListing]: z.object({ listingId: z.uuid(), reason: z.string().min(1).max(1000), reportId: z.uuid().nullable().default(null) }),
} as const;

export type TaskName = keyof typeof JOB_PAYLOADS;
/** A payload as a handler gets it (defaults filled in). */
export type JobPayload<T extends TaskName> = z.output<(typeof JOB_PAYLOADS)[T]>;
/** A payload as it is enqueued (defaults may be left out). */
export type JobPayloadInput<T extends TaskName> = z.input<(typeof JOB_PAYLOADS)[T]>;

/**
 * How a task's jobs are queued and run, where not the defaults (any free slot of the owner's
 * worker, 25 attempts, priority 0): enqueueJob applies `queueName`, `maxAttempts` and
 * `priority`, startJobWorker runs a task with a `lane` on slots of its own.
 */
export interface JobPolicy<T extends TaskName> {
  /** graphile-worker's named queue: the jobs of one name run one at a time, in order. */
  queueName?: (payload: JobPayload<T>) => string;
  maxAttempts?: number;
  /** graphile-worker takes lower numbers first; everything else is 0. */
  priority?: number;
  /** Its own worker (its own slots and connections), so its waits never hold another task's slot. */
  lane?: { name: string; concurrency: number };
}

export const JOB_POLICIES: { readonly [T in TaskName]?: JobPolicy<T> } = {
  // Push waits on members' endpoints, which a member chooses: on its own lane it can never delay
  // verification mail or account deletion; one member's pushes go one at a time, so a member
  // whose endpoints are slow holds one push slot at most; and a push is stale within the hour
  // (the inbox has it), so it is not retried for a day (8 attempts: about half an hour).
  [TASKS.sendNotificationPush]: {
    queueName: ({ userId }) => `identity:push:${userId}`,
    maxAttempts: 8,
    lane: { name: "push", concurrency: 2 },
  },
  // A member's deletion runs one job at a time: the sweep that queues it again while a run is
  // under way (graphile-worker then adds a second job) waits its turn instead of running beside it.
  [TASKS.deleteAccount]: {
    queueName: ({ userId }) => `identity:account-deletion:${userId}`,
  },
  // A member is at the screen waiting for this mail: it runs before whatever else is queued,
  // such as the notifications a busy hour of transfers leaves behind.
  [TASKS.sendVerificationEmail]: { maxAttempts: 10, priority: -10 },
  [TASKS.sendPasswordEmail]: { maxAttempts: 10, priority: -10 },
  [TASKS.sendEmailChangeEmail]: { maxAttempts: 10, priority: -10 },
  // A failed refresh is retried twice with graphile-worker's backoff (about 2 s, then 7 s)
  // before the next scheduled one; the recalls last fetched stay in use meanwhile.
  [TASKS.refreshRecalls]: { maxAttempts: 3 },
};

declare const payloadOf: unique symbol;
/**
 * An event-bus topic: its name, typed with the payload its events carry, so a publisher can only
 * send, and a subscriber only receive, that topic's payload (`EventBus.publish`/`subscribe`).
 * Topics are made here only: a bare string is not a Topic.
 */
export type Topic<Payload> = string & { readonly [payloadOf]: Payload };

/** What every event carries: the id of what changed. Subscribers read it fresh, as they select it. */
export interface Changed {
  id: string;
}

const topic = <Payload = Changed>(name: string) => name as Topic<Payload>;

/** Every event-bus topic, with its payload. */
export const TOPICS = {
  trade: (tradeId: string) => topic(`trade:${tradeId}`),
  userTrades: (userId: string) => topic(`user:${userId}:trades`),
  userNotifications: (userId: string) => topic(`user:${userId}:notifications`),
  job: (jobId: string) => topic(`job:${jobId}`),
  /** Sessions ended (logout, a reused refresh token), `{ id: sessionId }`: their live connections close. One topic, so a gateway listens once. */
  sessionsEnded: topic("sessions:ended"),
} as const;
