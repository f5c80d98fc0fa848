/**
 * What members write on their public profile: the handle others find and pay them by (`@ann`),
 * a short bio and the coarse area they trade in. Handles are stored without the `@`, lower-cased,
 * so `@Ann` and `ann` are one handle; the unique index is on that form.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import { textProblem, type ErrorCode } from "@localex/common";
import { users, type IdentityTx } from "../db/schema.ts";

export const HANDLE_MIN = 3;
export const HANDLE_MAX = 20;
export const HANDLE_PATTERN = /^[a-z0-9_]{3,20}$/;
export const BIO_MAX = 500;
export const AREA_MAX = 80;

/**
 * Handles nobody may take: the service's own names and roles (so nobody poses as staff), words a
 * front end routes on, and words that read as nobody or everybody.
 */
export const RESERVED_HANDLES = new Set([
  "admin",
  "administrator",
  "admins",
  "root",
  "system",
  "sysadmin",
  "support",
  "help",
  "helpdesk",
  "staff",
  "team",
  "official",
  "moderator",
  "moderators",
  "mod",
  "mods",
  "security",
  "abuse",
  "safety",
  "trust",
  "legal",
  "privacy",
  "terms",
  "billing",
  "localex",
  "local_ex",
  "localexchange",
  "noreply",
  "no_reply",
  "postmaster",
  "webmaster",
  "hostmaster",
  "mail",
  "email",
  "info",
  "contact",
  "api",
  "www",
  "app",
  "graphql",
  "sandbox",
  "dev",
  "test",
  "status",
  "settings",
  "account",
  "accounts",
  "profile",
  "profiles",
  "login",
  "logout",
  "signin",
  "signout",
  "signup",
  "register",
  "me",
  "you",
  "user",
  "users",
  "member",
  "members",
  "search",
  "explore",
  "deleted",
  "deleted_member",
  "anonymous",
  "unknown",
  "null",
  "undefined",
  "none",
  "nobody",
  "everyone",
  "all",
  "here",
]);

/** `@Ann ` → `ann`: NFC, trimmed, one leading `@` dropped, lower-cased. */
export function normaliseHandle(input: string): string {
  return input.normalize("NFC").trim().replace(/^@/, "").toLowerCase();
}

export type HandleProblem = { code: Extract<ErrorCode, "INVALID_INPUT" | "HANDLE_RESERVED">; message: string };

/** Why a (normalised) handle cannot be had, or null. */
export function handleProblem(handle: string): HandleProblem | null {
  if (!HANDLE_PATTERN.test(handle)) {
    return { code: "INVALID_INPUT", message: `A handle is ${HANDLE_MIN} to ${HANDLE_MAX} letters a-z, digits or underscores (a leading @ is dropped).` };
  }
  if (RESERVED_HANDLES.has(handle)) return { code: "HANDLE_RESERVED", message: `@${handle} is reserved; choose another handle.` };
  return null;
}

/** A bio as stored: NFC, trimmed, null when empty; line breaks kept. */
export function normaliseBio(bio: string): string | null {
  const trimmed = bio.normalize("NFC").trim();
  return trimmed.length > 0 ? trimmed : null;
}

export function bioProblem(bio: string | null): string | null {
  return bio === null ? null : textProblem(bio, { label: "Bio", max: BIO_MAX, multiline: true });
}

/** An area as stored: NFC, trimmed, inner whitespace one space, null when empty. */
export function normaliseArea(area: string): string | null {
  const trimmed = area.normalize("NFC").trim().replace(/\s+/g, " ");
  return trimmed.length > 0 ? trimmed : null;
}

export function areaProblem(area: string | null): string | null {
  return area === null ? null : textProblem(area, { label: "Area", max: AREA_MAX });
}

/**
 * Takes the handle's advisory lock (every claim of a handle, at registration and in
 * updateProfile, takes it first) and says whether another member has it. A departing member's
 * handle is theirs until their profile is anonymised.
 */
export async function claimHandle(tx: IdentityTx, handle: string, exceptUserId: string | null): Promise<"free" | "taken"> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`identity:handle:${handle}`}, 0))`);
  const [held] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.handle, handle), exceptUserId ? ne(users.id, exceptUserId) : undefined))
    .limit(1);
  return held ? "taken" : "free";
}
