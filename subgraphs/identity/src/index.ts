import { AttemptLimiter, buildFederatedSchema, database, startJobWorker, TASKS, type SubgraphModule } from "@localex/common";
import { createContext, type IdentityContext, type IdentityServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { InboxService } from "./notifications/inbox.service.ts";
import { NotificationsResolver } from "./notifications/notifications.resolver.ts";
import { createEmailChannel, createPushChannel, DevelopmentMailbox } from "./notifications/channels/index.ts";
import { deliveryTasks } from "./notifications/delivery.tasks.ts";
import { notifyTask } from "./notifications/notify.task.ts";
import { PreferencesService } from "./notifications/preferences.service.ts";
import { PushSubscriptionsService } from "./notifications/push-subscriptions.service.ts";
import { SessionsResolver } from "./sessions/sessions.resolver.ts";
import { SessionsService } from "./sessions/sessions.service.ts";
import { UsersResolver } from "./users/users.resolver.ts";
import { UsersService } from "./users/users.service.ts";

export const identity: SubgraphModule<IdentityServices, IdentityContext> = {
  name: "identity",
  buildSchema: () =>
    buildFederatedSchema<IdentityContext>({
      resolvers: [UsersResolver, SessionsResolver, NotificationsResolver],
      referenceResolvers: {
        User: (ref: { id: string }, ctx) => ctx.loaders.userById.load(ref.id),
      },
    }),
  createServices({ sql, config, events }) {
    const db = database(sql, schema);
    const users = new UsersService(db, config.ADMIN_EMAILS);
    const loginFailures = AttemptLimiter.create({
      name: "login-failures",
      points: 10,
      durationSeconds: 15 * 60,
      redisUrl: config.REDIS_URL,
      redisPrefix: config.REDIS_PREFIX,
    });
    return {
      events,
      users,
      sessions: new SessionsService(db, users, config, loginFailures, events),
      inbox: new InboxService(db),
      preferences: new PreferencesService(db),
      pushSubscriptions: new PushSubscriptionsService(db),
      email: createEmailChannel(config),
      push: createPushChannel(config),
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
        ...deliveryTasks({ db, ...services, log: runtime.log }),
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
    services.sessions.close();
  },
};
