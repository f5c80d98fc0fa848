import type DataLoader from "dataloader";
import { rowLoader, type Caller, type EventBus } from "@localex/common";
import type { UserRow } from "./db/schema.ts";
import type { EmailChannel, PushChannel } from "./notifications/channels/index.ts";
import type { InboxService } from "./notifications/inbox.service.ts";
import type { PreferencesService } from "./notifications/preferences.service.ts";
import type { PushSubscriptionsService } from "./notifications/push-subscriptions.service.ts";
import type { SessionsService } from "./sessions/sessions.service.ts";
import type { UsersService } from "./users/users.service.ts";

export interface IdentityServices {
  /** Domain events, for live subscriptions. */
  events: EventBus;
  users: UsersService;
  sessions: SessionsService;
  inbox: InboxService;
  preferences: PreferencesService;
  pushSubscriptions: PushSubscriptionsService;
  email: EmailChannel;
  push: PushChannel;
}

export interface IdentityContext {
  caller: Caller | null;
  services: IdentityServices;
  loaders: { userById: DataLoader<string, UserRow | null> };
}

export function createContext(services: IdentityServices, caller: Caller | null): IdentityContext {
  return {
    caller,
    services,
    loaders: { userById: rowLoader((ids) => services.users.byIds(ids), (u) => u.id) },
  };
}
