/**
 * Every error code the API answers with, once (issue 21; modelled on fastify's lib/errors.js).
 * docs/errors.md lists the same codes and tests/platform/error-codes.unit.test.ts keeps the two,
 * and the source, in step: a code used anywhere must be registered here first.
 *
 * kind:
 * - refusal: a reason the member can act on; always returned as data, in a mutation payload's
 *   `errors` (docs/client.md), never as a GraphQL error to a client. Some are also spoken between
 *   our services as errors, and are exposed for that (formatError runs in every subgraph too).
 * - request: a fault in the request itself: parse, validation, auth, rate, size, cost, persisted query.
 * - unavailable: something on our side is away for now; the same request may succeed later.
 * - fault: an unexpected fault of ours; logged, and its details never reach a client.
 *
 * exposed: the code may pass formatError as a GraphQL error's code. formatError lets GraphQL
 * errors with an exposed code through and masks every other one as INTERNAL_SERVER_ERROR. A
 * refusal that is only ever data is not exposed (payload errors never pass formatError); any
 * other code that is not exposed is spoken only between our services (or is the mask itself).
 */
export type ErrorKind = "refusal" | "request" | "unavailable" | "fault";

export interface ErrorCodeInfo {
  readonly kind: ErrorKind;
  readonly exposed: boolean;
  /** One line for docs/errors.md: what it means, and what a client should do. */
  readonly description: string;
}

const refusal = (description: string, exposed = true): ErrorCodeInfo => ({ kind: "refusal", exposed, description });
const request = (description: string): ErrorCodeInfo => ({ kind: "request", exposed: true, description });
const unavailable = (description: string): ErrorCodeInfo => ({ kind: "unavailable", exposed: true, description });

export const ERROR_CODES = {
  // The request: GraphQL (several raised by Apollo Server itself), HTTP, auth, limits.
  GRAPHQL_PARSE_FAILED: request("The document is not valid GraphQL syntax; fix the operation."),
  GRAPHQL_VALIDATION_FAILED: request("The operation does not fit the schema or breaks an operation limit (depth, aliases, tokens); fix the operation."),
  BAD_USER_INPUT: request("An argument or variable is invalid (`extensions.field` names it when known); fix the input."),
  BAD_REQUEST: request("The HTTP request is malformed (body, headers, multipart upload that did not arrive in full); fix the request."),
  OPERATION_RESOLUTION_FAILURE: request("The operation to run could not be chosen (name missing or unknown); name an operation the document holds."),
  PERSISTED_QUERY_NOT_FOUND: request("The server does not know this persisted query's hash yet; send the query text with its hash."),
  PERSISTED_QUERY_NOT_SUPPORTED: request("Persisted queries are not accepted here; send the query text."),
  PERSISTED_QUERY_NOT_IN_LIST: request("This graph runs only its published clients' operations (a safelist); use a published client."),
  UNAUTHENTICATED: request("No valid signed-in caller (missing, expired or ended session); sign in or refresh the session."),
  FORBIDDEN: request("The caller may not do this (not theirs, not an admin, internal field); also a payload refusal. Do not retry as is."),
  RATE_LIMITED: request("Too many requests; wait `extensions.retryAfterSeconds` and retry."),
  PAYLOAD_TOO_LARGE: request("The body or an uploaded file is larger than accepted (HTTP 413); send less."),
  UNSUPPORTED_MEDIA_TYPE: request("The request's content type is not accepted (HTTP 415); send JSON or a multipart upload."),
  METHOD_NOT_ALLOWED: request("File uploads are POST requests (HTTP 405)."),
  UPLOAD_TOO_SLOW: request("An upload arrived slower than the minimum pace or took too long (HTTP 408); upload again on a better connection."),
  TOO_MANY_UPLOADS: request("The member already has as many uploads in flight as allowed; wait for one to finish."),
  UPLOAD_USED: request("This direct-upload URL was already used (HTTP 409); start a new upload."),
  COST_LIMIT_EXCEEDED: request("The operation's estimated cost is over the limit (`extensions.cost`, `extensions.limit`); ask for fewer items."),
  TOO_MANY_SUBSCRIPTIONS: request("Too many subscriptions open on one WebSocket connection; complete one first."),
  SUBSCRIPTION_TOO_LARGE: request("The subscription selects too much to serve; ask for fewer fields."),

  // Infrastructure away for now: retry later.
  SUBGRAPH_TIMEOUT: unavailable("A service did not answer in time (`extensions.subgraph` names it); retry later."),
  SUBGRAPH_UNAVAILABLE: unavailable("A service could not be reached or went away (`extensions.subgraph` names it); retry, or subscribe again."),
  SERVICE_UNAVAILABLE: unavailable("Escrow or listings could not be reached while accepting a trade, so nothing was held; try again."),
  BAD_GATEWAY: unavailable("Development inbox only: identity did not answer for it (HTTP 502); retry."),
  LIVE_DELIVERY_INTERRUPTED: unavailable("A subscription's live updates are interrupted (it stays open); changes meanwhile are not delivered."),
  LIVE_DELIVERY_RESUMED: unavailable("A subscription's live updates resumed; refetch what may have changed while interrupted."),
  PRICE_UNAVAILABLE: unavailable("No BTC price is available for a credit quote; retry later."),
  PRICE_STALE: unavailable("The last BTC price is too old to quote on (its age is given); retry later."),
  QUOTES_NOT_CONFIGURED: unavailable("Credit quotes are not configured on this server; nothing a client can do."),

  // The unexpected.
  INTERNAL_SERVER_ERROR: {
    kind: "fault",
    exposed: false,
    description: "What every error with an unexposed code becomes (logged, details withheld); retry once, then report it.",
  },

  // Refusals a member can act on: general.
  INVALID_INPUT: refusal("A field of the input is invalid (`field` names it); fix it."),
  NOT_FOUND: refusal("The thing asked for does not exist or is not visible to the caller."),
  INVALID_STATE: refusal("The trade or listing is in a state where this can no longer happen."),
  INVALID_TRANSITION: refusal("A listing cannot move from its status to the one asked for."),
  NO_CHANGE: refusal("A counter-offer must change the terms."),
  CONFLICT: refusal("The job cannot be retried (retryJob, as data): only a DEAD job can, and a FAILED one never succeeds on another run.", false),
  IN_PROGRESS: refusal("Someone else is updating the same thing right now; try again in a moment."),
  IDEMPOTENCY_CONFLICT: refusal("This idempotency key was already used for a different request; use a new key."),
  DISPUTE_TAKEN: refusal(
    "Another administrator has taken this dispute and their claim has not expired (takeDispute, resolveDispute; as data); pick another, or wait until `claimedUntil`.",
  ),
  MEMBER_DEPARTING: refusal(
    "The member's account is being deleted: nothing new starts with them (as data; media also answers it to identity and the ledger as an error).",
  ),
  MEMBER_SUSPENDED: refusal(
    "The member is suspended: they cannot list, trade or send credits until the suspension ends (the message says when; as data). The other party of their open trades can still complete or cancel them.",
  ),

  // identity
  WRONG_PASSWORD: refusal("The password given is wrong (deleteMyAccount's password, changePassword's currentPassword; as data).", false),
  PASSWORD_RESET_TOKEN_INVALID: refusal(
    "The password-reset link is not one we sent (or its member is gone); ask for a new one (resetPassword, as data).",
    false,
  ),
  PASSWORD_RESET_TOKEN_EXPIRED: refusal("The password-reset link has expired; ask for a new one (resetPassword, as data).", false),
  PASSWORD_RESET_TOKEN_USED: refusal(
    "The password-reset link was used, or the password changed since it was sent; ask for a new one (resetPassword, as data).",
    false,
  ),
  PASSWORD_UNCHANGED: refusal("The new password is the current one; choose another (changePassword, as data).", false),
  HANDLE_TAKEN: refusal("Another member has that handle (case does not matter); choose another (updateProfile, as data)."),
  HANDLE_RESERVED: refusal("That handle is reserved (the service's own names, words a front end routes on); choose another (updateProfile, as data)."),
  EMAIL_UNCHANGED: refusal("The new email is the account's address already (changeEmail, as data).", false),
  EMAIL_TAKEN: refusal("Another account uses that email, as registering with it would say (changeEmail, confirmEmailChange, undoEmailChange; as data).", false),
  EMAIL_CHANGE_TOKEN_INVALID: refusal(
    "The email-change link is not one we sent (or its member is gone); ask for the change again (confirmEmailChange, undoEmailChange; as data).",
    false,
  ),
  EMAIL_CHANGE_TOKEN_EXPIRED: refusal("The email-change link has expired; ask for the change again (confirmEmailChange, undoEmailChange; as data).", false),
  EMAIL_CHANGE_TOKEN_USED: refusal(
    "The email-change link was used, or the change was undone or replaced by a newer one (confirmEmailChange, undoEmailChange; as data).",
    false,
  ),
  MEMBER_HAS_ACTIVE_TRADES: refusal(
    "The account cannot be deleted while trades are active (deleteMyAccount, as data; the payload's `activeTradeIds` names them); finish or cancel them. Trades also answers it to identity's deletion job as an error.",
  ),
  PUSH_ENDPOINT_NOT_ALLOWED: refusal(
    "The push subscription's endpoint is not a push service's (registerPushSubscription, as data); register the browser's own PushSubscription.",
    false,
  ),
  VERIFICATION_TOKEN_INVALID: refusal("The email verification link is not valid; ask for a new one."),
  VERIFICATION_TOKEN_EXPIRED: refusal("The email verification link expired; ask for a new one."),
  VERIFICATION_TOKEN_USED: refusal("The email verification link was already used."),
  ALREADY_VERIFIED: refusal("The member's email or identity is already verified."),
  ALREADY_PENDING: refusal("A verification request is already waiting for an admin."),
  ALREADY_DECIDED: refusal("This verification request was already decided."),
  DOCUMENT_NOT_READY: refusal("A document named is not one of the member's processed private documents; upload it and wait for READY."),
  LAST_ADMIN: refusal("The only admin cannot lose the role; grant it to someone else first."),
  CANNOT_SUSPEND: refusal("Administrators cannot be suspended, and nobody suspends themselves (suspendMember, resolveReport; as data); revoke the role first."),
  NOT_SUSPENDED: refusal("The member is not suspended, so there is nothing to reinstate (reinstateMember, as data)."),
  CANNOT_REPORT_SELF: refusal("You cannot report yourself or a listing of your own (reportMember, reportListing; as data)."),
  REPORT_ALREADY_OPEN: refusal("You already reported this and your report is still open; an administrator will look at it (as data)."),
  REPORT_ALREADY_RESOLVED: refusal("This report was already resolved, perhaps by another administrator (resolveReport, as data)."),

  // listings
  LISTING_LOCKED: refusal("The listing is reserved for a trade and cannot change now."),
  LISTING_TAKEN_DOWN: refusal("An administrator took the listing down (its `moderation` says why): it cannot be edited or published until restored."),
  RECALL_CHECK_REQUIRED: refusal("The listing looks like a recalled product; confirm it is not (confirmNotRecalled) or ask an admin, then publish."),

  // trades
  NOT_OWNER: refusal("Listings offered or asked for are not that party's listings."),
  LISTING_UNAVAILABLE: refusal("A listing in the trade is no longer available."),
  NOTHING_TO_EXCHANGE: refusal("A trade must exchange something (listings or credits)."),
  NOT_YOUR_TURN: refusal("The other party must answer first."),
  TRADE_EXPIRED: refusal("The trade expired before it was accepted."),
  TRADE_CLOSED: refusal("The trade is closed (completed, declined, cancelled, expired or resolved): nothing more can be sent or shared on it."),
  ALREADY_CONFIRMED: refusal("The caller already confirmed this trade's completion."),
  ALREADY_GIVEN: refusal("The caller already left feedback on this trade."),
  ESCROW_REFUSED: refusal("The escrow hold was refused for a reason other than funds (the message says which)."),
  SETTLEMENT_STOPPED: refusal("The trade's settlement stopped and it was flagged for an admin."),

  // ledger
  INSUFFICIENT_FUNDS: refusal("Not enough available credits."),
  INVALID_AMOUNT: refusal("The amount of credits is not a whole number in range."),
  SELF_TRANSFER: refusal("Credits cannot be sent to oneself."),
  RECIPIENT_NOT_FOUND: refusal("There is no member with that id or handle."),
  WELCOME_CREDITS_NOT_TRANSFERABLE: refusal("Welcome credits can be spent on trades but not sent to another member."),
  HOLD_NOT_FOUND: refusal("Between trades and ledger only: no escrow hold with that key.", false),
  HOLD_ALREADY_SETTLED: refusal("Between trades and ledger only: the escrow hold was already settled.", false),
  HOLD_ALREADY_RELEASED: refusal("Between trades and ledger only: the escrow hold was already released.", false),

  // media (upload refusals as data; processing refusals also as a failed Job's errorCode)
  FILE_TOO_LARGE: refusal("The file is larger than accepted for its purpose, or than can be scanned."),
  TOO_MANY_PHOTOS: refusal("The listing already has as many photos as allowed."),
  QUOTA_EXCEEDED: refusal("The member's storage quota is used up; delete something first."),
  UPLOAD_MISSING: refusal("Nothing has arrived at the direct-upload URL yet; PUT the file first."),
  UPLOAD_EXPIRED: refusal("The direct-upload URL expired before the upload was completed; start a new upload."),
  SIZE_MISMATCH: refusal("The uploaded bytes differ in size from what was declared; start a new upload."),
  UNSUPPORTED_TYPE: refusal("The file is not a type accepted for its purpose."),
  TYPE_MISMATCH: refusal("The file's content does not match its declared type."),
  TOO_MANY_PIXELS: refusal("The image has more pixels than can be processed."),
  CORRUPT_IMAGE: refusal("The image cannot be read."),
  INFECTED: refusal("The file carries malware; it was deleted."),
} as const satisfies Record<string, ErrorCodeInfo>;

/** A registered error code; a misspelt or unregistered one fails the typecheck. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes formatError passes through unmasked. */
export const EXPOSED_ERROR_CODES: ReadonlySet<string> = new Set((Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].exposed));

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
