import type { Caller } from "./auth.ts";
import { refusal, type Refusal } from "./outcome.ts";

/**
 * Whether the caller's access token says they are suspended now (issue 23). A suspension with an
 * end lapses by itself at that instant; one without lasts until an admin reinstates the member.
 * Identity stamps the suspension into every token it issues and ends every session when one
 * starts or is lifted, so the claim is as fresh as the token: no subgraph needs to ask.
 */
export function isSuspended(caller: Pick<Caller, "suspension"> | null, now: Date = new Date()): boolean {
  const suspension = caller?.suspension;
  if (!suspension) return false;
  return suspension.until === null || new Date(suspension.until).getTime() > now.getTime();
}

/**
 * The refusal for a suspended member starting something new (a listing, a trade, a transfer),
 * as data; null for a member in good standing. What a suspension leaves them (signing in, reading,
 * finishing or cancelling what is under way) is not checked here.
 */
export function activeMemberRefusal(caller: Pick<Caller, "suspension"> | null, now: Date = new Date()): Refusal | null {
  if (!caller?.suspension || !isSuspended(caller, now)) return null;
  const { until } = caller.suspension;
  return refusal(
    "MEMBER_SUSPENDED",
    until === null
      ? "Your account is suspended until an administrator lifts it: you cannot list, trade or send credits meanwhile (see me { suspension })."
      : `Your account is suspended until ${until}: you cannot list, trade or send credits until then (see me { suspension }).`,
  );
}
