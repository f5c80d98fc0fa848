import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { deliveredOrNotice, pageSize, requireCaller, toPayload, type DeliveryNotice, checkListSize } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { NotificationRow } from "../db/schema.ts";
import type { InboxPage } from "./inbox.service.ts";
import { followNotifications } from "./notification-updates.ts";
import {
  Notification,
  NotificationConnection,
  NotificationPreferences,
  NotificationPreferencesInput,
  PushSubscriptionInput,
  PushSubscriptionPayload,
  Trade,
} from "./notification.type.ts";

@Resolver(() => Notification)
export class NotificationsResolver {
  @Query(() => NotificationConnection, { description: "Your notifications, newest first, with the count of unread ones." })
  async notifications(
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("unreadOnly", () => Boolean, { nullable: true, defaultValue: false }) unreadOnly: boolean,
    @Ctx() ctx: IdentityContext,
  ): Promise<InboxPage> {
    const caller = requireCaller(ctx.caller);
    return ctx.services.inbox.page(caller.userId, pageSize(first), after, unreadOnly);
  }

  @Query(() => Notification, { nullable: true, description: "One of your notifications; null for anyone else's." })
  async notification(@Arg("id", () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<NotificationRow | null> {
    return ctx.caller ? ctx.services.inbox.one(ctx.caller.userId, id) : null;
  }

  @Query(() => NotificationPreferences, { description: "How you hear of each kind of notification." })
  async notificationPreferences(@Ctx() ctx: IdentityContext): Promise<NotificationPreferences> {
    return { kinds: await ctx.services.preferences.of(requireCaller(ctx.caller).userId) };
  }

  @Mutation(() => Int, { description: "Marks your notifications among `ids` read; returns how many were unread." })
  async markNotificationsRead(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: IdentityContext): Promise<number> {
    const caller = requireCaller(ctx.caller);
    checkListSize(ids, "ids");
    return ctx.services.inbox.markRead(caller.userId, ids);
  }

  @Mutation(() => NotificationPreferences, { description: "Turns email or push on or off per kind; in-app is always on." })
  async updateNotificationPreferences(
    @Arg("input", () => NotificationPreferencesInput) input: NotificationPreferencesInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<NotificationPreferences> {
    const caller = requireCaller(ctx.caller);
    checkListSize(input.kinds, "input.kinds");
    return { kinds: await ctx.services.preferences.update(caller.userId, input.kinds) };
  }

  @Mutation(() => PushSubscriptionPayload, {
    description:
      "Sends your notifications to this browser by Web Push too. The endpoint must be a push service's (PUSH_ENDPOINT_NOT_ALLOWED otherwise). An endpoint belongs to the member who registered it first: registered again from another account, it stays theirs, with the same answer.",
  })
  async registerPushSubscription(
    @Arg("input", () => PushSubscriptionInput) input: PushSubscriptionInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<PushSubscriptionPayload> {
    const outcome = await ctx.services.pushSubscriptions.register(requireCaller(ctx.caller).userId, input);
    return { ...toPayload(outcome, "registered"), registered: outcome.ok };
  }

  @Mutation(() => Boolean, {
    description:
      "Stops Web Push of your notifications to this endpoint. True, whatever the endpoint: it tells nothing about it (whether it was registered, or by whom).",
  })
  async unregisterPushSubscription(@Arg("endpoint", () => String) endpoint: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    await ctx.services.pushSubscriptions.unregister(requireCaller(ctx.caller).userId, endpoint);
    return true;
  }

  @Subscription(() => Notification, {
    description: "Your notifications as they arrive (never anyone else's).",
    subscribe: ({ context }) => {
      const ctx = context as IdentityContext;
      return followNotifications(ctx.services.events, ctx.services.inbox, ctx.caller);
    },
  })
  notificationAdded(@Root() notification: NotificationRow | DeliveryNotice): NotificationRow {
    return deliveredOrNotice(notification);
  }

  @FieldResolver(() => Boolean)
  read(@Root() notification: NotificationRow): boolean {
    return notification.readAt !== null;
  }

  @FieldResolver(() => Trade, { nullable: true })
  trade(@Root() notification: NotificationRow): Trade | null {
    return notification.tradeId ? { id: notification.tradeId } : null;
  }
}
