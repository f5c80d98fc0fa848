import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { ConnectionType, NOTIFICATION_KINDS, UserError, type NotificationKindName } from "@localex/common";

export const NotificationKind = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, k])) as { [K in NotificationKindName]: K };
registerEnumType(NotificationKind, {
  name: "NotificationKind",
  description: "What happened: a trade's step, credits received, a photo processed, an upload refused as malware.",
});

/** trades' Trade, referred to by a notification (identity adds nothing to it). */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class Trade {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: "Something a member was told about; in their inbox until they delete their account." })
export class Notification {
  @Field(() => ID) id!: string;
  @Field(() => NotificationKind) kind!: NotificationKindName;
  @Field(() => String) message!: string;
  @Field(() => Boolean) read!: boolean;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Trade, { nullable: true, description: "The trade it is about, if any." }) trade!: Trade | null;
}

@ObjectType()
export class NotificationConnection extends ConnectionType("Notification", Notification) {
  @Field(() => Int, { description: "Unread notifications in the whole inbox (whatever the page)." }) unreadCount!: number;
}

@ObjectType({ description: "How a member hears of one kind of notification; in-app is always on." })
export class NotificationChannels {
  @Field(() => NotificationKind) kind!: NotificationKindName;
  @Field(() => Boolean) email!: boolean;
  @Field(() => Boolean) push!: boolean;
}

@ObjectType()
export class NotificationPreferences {
  @Field(() => [NotificationChannels], { description: "Every kind, in a stable order." }) kinds!: NotificationChannels[];
}

@InputType()
export class NotificationChannelsInput {
  @Field(() => NotificationKind) kind!: NotificationKindName;
  @Field(() => Boolean, { nullable: true, description: "Unchanged when left out." }) email?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: "Unchanged when left out." }) push?: boolean | null;
}

@InputType({ description: "Only the kinds and channels given change." })
export class NotificationPreferencesInput {
  @Field(() => [NotificationChannelsInput]) kinds!: NotificationChannelsInput[];
}

@InputType({ description: "A browser's PushSubscription (`subscription.toJSON()`)." })
export class PushSubscriptionInput {
  @Field(() => String) endpoint!: string;
  @Field(() => String, { description: "keys.p256dh" }) p256dh!: string;
  @Field(() => String, { description: "keys.auth" }) auth!: string;
}

@ObjectType()
export class PushSubscriptionPayload {
  @Field(() => Boolean, {
    description:
      "True when this browser receives your notifications by Web Push (also when the endpoint was already registered, by you or by anyone: the answer tells nothing about it).",
  })
  registered!: boolean;
  @Field(() => [UserError], {
    description: "INVALID_INPUT (not a URL, keys not base64url, 20 subscriptions already), PUSH_ENDPOINT_NOT_ALLOWED (the endpoint is not a push service's).",
  })
  errors!: UserError[];
}
