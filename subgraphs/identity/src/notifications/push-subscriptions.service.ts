import { and, eq, sql } from "drizzle-orm";
import { accepted, refusal, type Database, type Outcome } from "@localex/common";
import { pushSubscriptions, type schema } from "../db/schema.ts";
import { endpointRefusal, type PushEndpointRules } from "./channels/index.ts";

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
/** A member's browsers are few; a flood of subscriptions is not a member. */
const MAX_PER_MEMBER = 20;

/**
 * Where a member's browsers receive Web Push. An endpoint belongs to the member who registered it
 * first: registering it again from another account changes nothing and answers the same as any
 * registration, so nobody learns whether, or by whom, an endpoint is already registered.
 */
export class PushSubscriptionsService {
  constructor(
    private readonly db: Database<typeof schema>,
    private readonly endpoints: PushEndpointRules,
  ) {}

  async register(userId: string, input: { endpoint: string; p256dh: string; auth: string }): Promise<Outcome<void>> {
    let endpoint: URL;
    try {
      endpoint = new URL(input.endpoint);
    } catch {
      return refusal("INVALID_INPUT", "endpoint must be the push service's URL.", "input.endpoint");
    }
    if (input.endpoint.length > 2000) return refusal("INVALID_INPUT", "endpoint is too long.", "input.endpoint");
    const notAllowed = endpointRefusal(endpoint, this.endpoints);
    if (notAllowed) return refusal("PUSH_ENDPOINT_NOT_ALLOWED", `This endpoint is not a push service's: ${notAllowed}.`, "input.endpoint");
    if (!BASE64URL.test(input.p256dh) || input.p256dh.length > 200)
      return refusal("INVALID_INPUT", "p256dh must be the subscription's base64url key.", "input.p256dh");
    if (!BASE64URL.test(input.auth) || input.auth.length > 100)
      return refusal("INVALID_INPUT", "auth must be the subscription's base64url secret.", "input.auth");
    const [count] = await this.db.select({ n: sql<number>`count(*)::int` }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
    if ((count?.n ?? 0) >= MAX_PER_MEMBER)
      return refusal("INVALID_INPUT", `At most ${MAX_PER_MEMBER} push subscriptions per member; remove one first.`, "input");
    // The owner may register again (new keys); anyone else's registration of it is a no-op.
    await this.db
      .insert(pushSubscriptions)
      .values({ userId, endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth })
      .onConflictDoUpdate({
        target: pushSubscriptions.endpoint,
        set: { p256dh: input.p256dh, auth: input.auth },
        setWhere: eq(pushSubscriptions.userId, userId),
      });
    return accepted();
  }

  /**
   * No more pushes of this member's to `endpoint` (asked by the member, or by the push service's
   * 404/410 to a delivery). The member is told nothing about the endpoint (whether
   * it was registered, by whom, or whether its push service forgot it), and contacts nobody.
   */
  async unregister(userId: string, endpoint: string): Promise<void> {
    await this.db.delete(pushSubscriptions).where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)));
  }

  /** Whether the member has a browser to push to at all: without one, a notification enqueues no push job. */
  async hasAny(userId: string): Promise<boolean> {
    const [row] = await this.db.select({ endpoint: pushSubscriptions.endpoint }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)).limit(1);
    return row !== undefined;
  }

  async of(userId: string) {
    return this.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  }
}
