import { and, eq, sql } from "drizzle-orm";
import { badInput, type Database } from "@localex/common";
import { pushSubscriptions, type schema } from "../db/schema.ts";

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
/** A member's browsers are few; a flood of subscriptions is not a member. */
const MAX_PER_MEMBER = 20;

/** Where a member's browsers receive Web Push. */
export class PushSubscriptionsService {
  constructor(private readonly db: Database<typeof schema>) {}

  async register(userId: string, input: { endpoint: string; p256dh: string; auth: string }): Promise<void> {
    let endpoint: URL;
    try {
      endpoint = new URL(input.endpoint);
    } catch {
      throw badInput("endpoint must be the push service's URL.", "input.endpoint");
    }
    if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw badInput("endpoint must be an http(s) URL.", "input.endpoint");
    if (input.endpoint.length > 2000) throw badInput("endpoint is too long.", "input.endpoint");
    if (!BASE64URL.test(input.p256dh) || input.p256dh.length > 200) throw badInput("p256dh must be the subscription's base64url key.", "input.p256dh");
    if (!BASE64URL.test(input.auth) || input.auth.length > 100) throw badInput("auth must be the subscription's base64url secret.", "input.auth");
    const [count] = await this.db.select({ n: sql<number>`count(*)::int` }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
    if ((count?.n ?? 0) >= MAX_PER_MEMBER) throw badInput(`At most ${MAX_PER_MEMBER} push subscriptions per member; remove one first.`, "input");
    await this.db
      .insert(pushSubscriptions)
      .values({ userId, endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth })
      .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { userId, p256dh: input.p256dh, auth: input.auth } });
  }

  async unregister(userId: string, endpoint: string): Promise<boolean> {
    const gone = await this.db
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
      .returning({ id: pushSubscriptions.id });
    return gone.length > 0;
  }

  async of(userId: string) {
    return this.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  }

  /** The push service says this endpoint is gone (404/410). */
  async forget(endpoint: string): Promise<void> {
    await this.db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint));
  }
}
