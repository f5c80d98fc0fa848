import type DataLoader from "dataloader";
import { rowLoader, type Caller, type Database, type EventBus, type InternalClient, type RateLimiter, type RequestOrigin } from "@localex/common";
import type { schema, SuspensionRow, UserRow } from "./db/schema.ts";
import type { EmailChannel, PushChannel } from "./notifications/channels/index.ts";
import type { InboxService } from "./notifications/inbox.service.ts";
import type { PreferencesService } from "./notifications/preferences.service.ts";
import type { PushSubscriptionsService } from "./notifications/push-subscriptions.service.ts";
import type { SessionsService } from "./sessions/sessions.service.ts";
import type { PasswordChangeService } from "./password-change/password-change.service.ts";
import type { PasswordResetService } from "./password-reset/password-reset.service.ts";
import type { EmailChangeService } from "./email-change/email-change.service.ts";
import type { EmailVerificationService } from "./users/email-verification.ts";
import type { AccountDeletionService } from "./privacy/account-deletion.service.ts";
import type { VerificationService } from "./verification/verification.service.ts";
import type { UsersService } from "./users/users.service.ts";
import type { MembersService } from "./members/members.service.ts";
import type { SuspensionsService } from "./suspensions/suspensions.service.ts";
import type { ReportsService } from "./reports/reports.service.ts";
import type { AdminAuditService } from "./audit/admin-audit.service.ts";

export interface IdentityServices {
  /** Domain events, for live subscriptions. */
  events: EventBus;
  /** How long an access token lives: how long an ended session must be remembered. */
  accessTokenTtlSeconds: number;
  db: Database<typeof schema>;
  users: UsersService;
  /** members(query:): finding members by handle or display name. */
  members: MembersService;
  verification: EmailVerificationService;
  sessions: SessionsService;
  /** changePassword: a new password, every other session ended. */
  passwordChange: PasswordChangeService;
  /** requestPasswordReset and resetPassword: account recovery by a mailed link. */
  passwordReset: PasswordResetService;
  /** changeEmail, confirmEmailChange and undoEmailChange: a new address, confirmed by mail, undoable from the old one. */
  emailChange: EmailChangeService;
  inbox: InboxService;
  preferences: PreferencesService;
  pushSubscriptions: PushSubscriptionsService;
  email: EmailChannel;
  push: PushChannel;
  /** Calls other subgraphs (exports, deletion, documents). */
  internal: InternalClient;
  limits: RateLimiter;
  /** Verification with private documents (issue 12). */
  documentVerification: VerificationService;
  /** deleteMyAccount and its job (issue 12). */
  deletion: AccountDeletionService;
  /** suspendMember and reinstateMember (issue 23). */
  suspensions: SuspensionsService;
  /** reportListing, reportMember and the admins' queue of reports (issue 23). */
  reports: ReportsService;
  /** adminAuditLog: the admin audit log, which every subgraph writes (issue 23). */
  adminAudit: AdminAuditService;
}

export interface IdentityContext {
  caller: Caller | null;
  /** The client's address as the gateway saw it (rate limits); null for internal calls. */
  clientAddress: string | null;
  services: IdentityServices;
  loaders: {
    userById: DataLoader<string, UserRow | null>;
    /** The member's suspension in force, or null. */
    suspensionOf: DataLoader<string, SuspensionRow | null>;
  };
}

export function createContext(services: IdentityServices, caller: Caller | null, origin?: RequestOrigin): IdentityContext {
  return {
    caller,
    clientAddress: origin?.clientAddress ?? null,
    services,
    loaders: {
      userById: rowLoader(
        (ids) => services.users.byIds(ids),
        (u) => u.id,
      ),
      suspensionOf: rowLoader(
        (ids) => services.suspensions.inForceFor(ids),
        (s) => s.userId,
      ),
    },
  };
}
