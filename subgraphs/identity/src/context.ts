import type DataLoader from "dataloader";
import { rowLoader, type Caller } from "@localex/common";
import type { UserRow } from "./db/schema.ts";
import type { SessionsService } from "./sessions/sessions.service.ts";
import type { UsersService } from "./users/users.service.ts";

export interface IdentityServices {
  users: UsersService;
  sessions: SessionsService;
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
