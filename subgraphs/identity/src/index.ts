import { AttemptLimiter, buildFederatedSchema, database, type SubgraphModule } from "@localex/common";
import { createContext, type IdentityContext, type IdentityServices } from "./context.ts";
import { schema } from "./db/schema.ts";
import { SessionsResolver } from "./sessions/sessions.resolver.ts";
import { SessionsService } from "./sessions/sessions.service.ts";
import { UsersResolver } from "./users/users.resolver.ts";
import { UsersService } from "./users/users.service.ts";

export const identity: SubgraphModule<IdentityServices, IdentityContext> = {
  name: "identity",
  buildSchema: () =>
    buildFederatedSchema<IdentityContext>({
      resolvers: [UsersResolver, SessionsResolver],
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
    return { users, sessions: new SessionsService(db, users, config, loginFailures, events) };
  },
  createContext,
  async disposeServices(services) {
    services.sessions.close();
  },
};
