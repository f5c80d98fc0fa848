import type { NotificationKindName } from "@localex/common";

export type NotificationKind = NotificationKindName;

export interface OutgoingNotification {
  id: string;
  kind: NotificationKind;
  message: string;
  createdAt: Date;
  tradeId: string | null;
}

export interface Recipient {
  userId: string;
  email: string;
  displayName: string;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** One email for one or several notifications of one kind (a digest when several). */
export interface EmailChannel {
  send(recipient: Recipient, notifications: OutgoingNotification[]): Promise<void>;
  /** One message already rendered (the email-verification link): same transport, same failures. */
  sendMessage(recipient: Recipient, mail: { subject: string; text: string; html: string }): Promise<void>;
  /** One line for the start-up log: where mail goes. */
  describe(): string;
  close(): Promise<void>;
}

/** Push to one of the member's subscriptions; `gone` when the push service says it no longer exists (404/410), for the caller to forget. */
export interface PushChannel {
  /** Gives up (a retryable DeliveryFailed) when `signal` aborts: the budget of one delivery to all of a member's browsers. */
  send(target: PushTarget, notification: OutgoingNotification, signal?: AbortSignal): Promise<{ gone: boolean }>;
  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  readonly publicKey: string;
  /** One line for the start-up log. */
  describe(): string;
  close(): Promise<void>;
}

/**
 * A delivery did not happen. `retryable` is false when sending the same thing again will fail
 * the same way (the server refused the recipient or the message), true for an outage.
 */
export class DeliveryFailed extends Error {
  override readonly name = "DeliveryFailed";

  constructor(
    message: string,
    readonly channel: "email" | "push",
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
