import { buildFederatedSchema, database, startJobWorker, TASKS, type SubgraphModule, type SubgraphModuleConfig, jobQueueOf } from "@localex/common";
import { createContext, type IdentityContext, type IdentityServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { InboxService } from "./notifications/inbox.service.ts";
import { NotificationsResolver } from "./notifications/notifications.resolver.ts";
import { NotificationSubjectsResolver } from "./notifications/notification-subjects.resolver.ts";
import { createEmailChannel, createPushChannel, DevelopmentMailbox, pushEndpointRules } from "./notifications/channels/index.ts";
import { deliveryTasks } from "./notifications/delivery.tasks.ts";
import { notifyTask } from "./notifications/notify.task.ts";
import { notifyAdminsTask } from "./notifications/notify-admins.task.ts";
import { PreferencesService } from "./notifications/preferences.service.ts";
import { PushSubscriptionsService } from "./notifications/push-subscriptions.service.ts";
import { SessionsResolver } from "./sessions/sessions.resolver.ts";
import { SessionsService } from "./sessions/sessions.service.ts";
import { EmailVerificationService, sendVerificationEmailTask } from "./users/email-verification.ts";
import { UsersResolver } from "./users/users.resolver.ts";
import { UsersService } from "./users/users.service.ts";
import { MembersResolver } from "./members/members.resolver.ts";
import { MembersService } from "./members/members.service.ts";
import { AccountDeletionService } from "./privacy/account-deletion.service.ts";
import { deleteAccountTask } from "./privacy/delete-account.task.ts";
import { RESUME_DELETIONS_CRONTAB, resumeDeletionsTask } from "./privacy/deletion-sweep.ts";
import { Job, Listing, Media } from "./privacy/federated.types.ts";
import { PrivacyResolver } from "./privacy/privacy.resolver.ts";
import { PasswordChangeResolver } from "./password-change/password-change.resolver.ts";
import { PasswordChangeService } from "./password-change/password-change.service.ts";
import { sendPasswordEmailTask } from "./password-reset/password-emails.ts";
import { PasswordResetResolver } from "./password-reset/password-reset.resolver.ts";
import { PasswordResetService } from "./password-reset/password-reset.service.ts";
import { sendEmailChangeEmailTask } from "./email-change/email-change-emails.ts";
import { EmailChangeResolver } from "./email-change/email-change.resolver.ts";
import { EmailChangeService } from "./email-change/email-change.service.ts";
import { VerificationResolver } from "./verification/verification.resolver.ts";
import { VerificationService } from "./verification/verification.service.ts";
import { SuspensionsResolver } from "./suspensions/suspensions.resolver.ts";
import { SuspensionsService } from "./suspensions/suspensions.service.ts";
import { ReportsResolver } from "./reports/reports.resolver.ts";
import { ReportsService } from "./reports/reports.service.ts";
import { AdminAuditResolver } from "./audit/admin-audit.resolver.ts";
import { AdminAuditService } from "./audit/admin-audit.service.ts";
import { AdminAuditStore } from "./audit/admin-audit.store.ts";

type IdentityConfig = SubgraphModuleConfig<"identity">;

/** What the mailed links are signed with, how long they work and where they point. */
function linkOptions(config: Pick<IdentityConfig, "auth" | "sessions" | "accounts" | "mail">) {
  return {
    JWT_SECRET: config.auth.jwtSecret,
    ACCESS_TOKEN_TTL_SECONDS: config.sessions.accessTokenTtlSeconds,
    EMAIL_VERIFICATION_TTL_SECONDS: config.accounts.emailVerificationTtlSeconds,
    PASSWORD_RESET_TTL_SECONDS: config.accounts.passwordResetTtlSeconds,
    EMAIL_CHANGE_TTL_SECONDS: config.accounts.emailChangeTtlSeconds,
    EMAIL_CHANGE_UNDO_TTL_SECONDS: config.accounts.emailChangeUndoTtlSeconds,
    appUrl: config.mail.appUrl,
  };
}

export const identity: SubgraphModule<IdentityServices, IdentityContext, IdentityConfig> = {
  name: "identity",
  buildSchema: () =>
    buildFederatedSchema<IdentityContext>({
      resolvers: [
        UsersResolver,
        MembersResolver,
        SessionsResolver,
        PasswordChangeResolver,
        PasswordResetResolver,
        EmailChangeResolver,
        NotificationsResolver,
        NotificationSubjectsResolver,
        PrivacyResolver,
        VerificationResolver,
        SuspensionsResolver,
        ReportsResolver,
        AdminAuditResolver,
      ],
      orphanedTypes: [Job, Media, Listing],
      referenceResolvers: {
        User: (ref: { id: string }, ctx) => ctx.loaders.userById.load(ref.id),
      },
    }),
  createServices({ sql, config, events, log, limits, internal }) {
    const email = createEmailChannel(config.mail);
    if (config.accounts.adminEmails.length > 0) {
      log.warn("ADMIN_EMAILS is no longer read: registering never makes an admin. Grant the role with `pnpm admin grant <email>`.");
    }
    const db = database(sql, schema);
    const users = new UsersService(db);
    const suspensions = new SuspensionsService(db, events, config.sessions.accessTokenTtlSeconds);
    return {
      events,
      accessTokenTtlSeconds: config.sessions.accessTokenTtlSeconds,
      db,
      users,
      members: new MembersService(db),
      verification: new EmailVerificationService(db, linkOptions(config), limits),
      sessions: new SessionsService(db, users, config, limits, events, suspensions),
      passwordChange: new PasswordChangeService(db, limits, events, config.sessions.accessTokenTtlSeconds),
      passwordReset: new PasswordResetService(db, users, limits, events, linkOptions(config)),
      emailChange: new EmailChangeService(db, limits, events, linkOptions(config)),
      inbox: new InboxService(db),
      preferences: new PreferencesService(db),
      pushSubscriptions: new PushSubscriptionsService(db, pushEndpointRules(config.push)),
      email,
      push: createPushChannel(config.push),
      internal,
      limits,
      documentVerification: new VerificationService(db, internal, config.accounts.verificationDocumentRetentionHours),
      deletion: new AccountDeletionService(db, internal, events, limits, config.sessions.accessTokenTtlSeconds, log),
      suspensions,
      reports: new ReportsService(db, internal, limits, users, suspensions),
      adminAudit: new AdminAuditService(new AdminAuditStore(db)),
    };
  },
  createContext,
  startBackground(services, runtime) {
    const db = database(runtime.sql, schema);
    runtime.log.info({ email: services.email.describe(), push: services.push.describe() }, "notification channels");
    return startJobWorker({
      ...jobQueueOf(runtime),
      crontab: RESUME_DELETIONS_CRONTAB,
      tasks: {
        [TASKS.notify]: notifyTask({
          db,
          preferences: services.preferences,
          pushSubscriptions: services.pushSubscriptions,
          events: runtime.events,
          log: runtime.log,
          digestSeconds: runtime.config.accounts.notificationDigestSeconds,
        }),
        [TASKS.notifyAdmins]: notifyAdminsTask({ db, log: runtime.log }),
        ...deliveryTasks({ ...services, db, log: runtime.log, pushBudgetMs: runtime.config.push.sendBudgetSeconds * 1000 }),
        [TASKS.sendVerificationEmail]: sendVerificationEmailTask({ db, verification: services.verification, email: services.email, log: runtime.log }),
        [TASKS.sendPasswordEmail]: sendPasswordEmailTask({
          db,
          email: services.email,
          options: linkOptions(runtime.config),
          log: runtime.log,
        }),
        [TASKS.sendEmailChangeEmail]: sendEmailChangeEmailTask({
          db,
          email: services.email,
          options: linkOptions(runtime.config),
          log: runtime.log,
        }),
        [TASKS.deleteAccount]: deleteAccountTask(services.deletion, runtime.log),
        [TASKS.resumeDeletions]: resumeDeletionsTask(db, runtime.log),
      },
    });
  },
  async registerRoutes(app, services) {
    // The development inbox (PRODUCT.md: `GET /dev/mail` on the gateway, which asks here).
    const mailbox = services.email;
    if (!(mailbox instanceof DevelopmentMailbox)) return;
    app.get<{ Querystring: { to?: string } }>("/dev/mail", async (request) => mailbox.list({ to: request.query.to }));
  },
  async disposeServices(services) {
    await Promise.all([services.email.close(), services.push.close()]);
  },
};
