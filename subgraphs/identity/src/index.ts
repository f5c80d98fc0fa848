import { buildFederatedSchema, database, startJobWorker, TASKS, type SubgraphModule } from "@localex/common";
import { createContext, type IdentityContext, type IdentityServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { InboxService } from "./notifications/inbox.service.ts";
import { NotificationsResolver } from "./notifications/notifications.resolver.ts";
import { createEmailChannel, createPushChannel, DevelopmentMailbox, publicAppUrl } from "./notifications/channels/index.ts";
import { deliveryTasks } from "./notifications/delivery.tasks.ts";
import { notifyTask } from "./notifications/notify.task.ts";
import { PreferencesService } from "./notifications/preferences.service.ts";
import { PushSubscriptionsService } from "./notifications/push-subscriptions.service.ts";
import { SessionsResolver } from "./sessions/sessions.resolver.ts";
import { SessionsService } from "./sessions/sessions.service.ts";
import { EmailVerificationService, SEND_VERIFICATION_EMAIL, sendVerificationEmailTask } from "./users/email-verification.ts";
import { UsersResolver } from "./users/users.resolver.ts";
import { UsersService } from "./users/users.service.ts";
import { AccountDeletionService } from "./privacy/account-deletion.service.ts";
import { deleteAccountTask } from "./privacy/delete-account.task.ts";
import { Job, Media } from "./privacy/federated.types.ts";
import { PrivacyResolver } from "./privacy/privacy.resolver.ts";
import { VerificationResolver } from "./verification/verification.resolver.ts";
import { VerificationService } from "./verification/verification.service.ts";

export const identity: SubgraphModule<IdentityServices, IdentityContext> = {
  name: "identity",
  buildSchema: () =>
    buildFederatedSchema<IdentityContext>({
      resolvers: [UsersResolver, SessionsResolver, NotificationsResolver, PrivacyResolver, VerificationResolver],
      orphanedTypes: [Job, Media],
      referenceResolvers: {
        User: (ref: { id: string }, ctx) => ctx.loaders.userById.load(ref.id),
      },
    }),
  createServices({ sql, config, events, log, limits, internal }) {
    // First, so production without SMTP_URL (or PUBLIC_APP_URL) stops here, naming the variable.
    const email = createEmailChannel(config);
    if (config.ADMIN_EMAILS.length > 0) {
      log.warn("ADMIN_EMAILS is no longer read: registering never makes an admin. Grant the role with `pnpm admin grant <email>`.");
    }
    const db = database(sql, schema);
    const users = new UsersService(db);
    return {
      events,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      db,
      users,
      verification: new EmailVerificationService(db, { ...config, appUrl: publicAppUrl(config) }, limits),
      sessions: new SessionsService(db, users, config, limits, events),
      inbox: new InboxService(db),
      preferences: new PreferencesService(db),
      pushSubscriptions: new PushSubscriptionsService(db),
      email,
      push: createPushChannel(config),
      internal,
      limits,
      documentVerification: new VerificationService(db, internal, config.VERIFICATION_DOCUMENT_RETENTION_HOURS),
      deletion: new AccountDeletionService(db, internal, events, limits, config.ACCESS_TOKEN_TTL_SECONDS),
    };
  },
  createContext,
  startBackground(services, runtime) {
    const db = database(runtime.sql, schema);
    runtime.log.info({ email: services.email.describe(), push: services.push.describe() }, "notification channels");
    return startJobWorker({
      url: runtime.databaseUrl,
      log: runtime.log,
      tasks: {
        [TASKS.notify]: notifyTask({
          db,
          preferences: services.preferences,
          events: runtime.events,
          log: runtime.log,
          digestSeconds: runtime.config.NOTIFICATION_DIGEST_SECONDS,
        }),
        ...deliveryTasks({ ...services, db, log: runtime.log }),
        [SEND_VERIFICATION_EMAIL]: sendVerificationEmailTask({ db, verification: services.verification, email: services.email, log: runtime.log }),
        [TASKS.deleteAccount]: deleteAccountTask(services.deletion, runtime.log),
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
    await services.email.close();
  },
};
