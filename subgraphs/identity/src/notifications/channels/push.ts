import type { Config } from "@localex/common";
import webpush from "web-push";
import { DeliveryFailed, type OutgoingNotification, type PushChannel, type PushTarget } from "./channel.ts";
import { renderPush } from "./templates.ts";

export interface WebPushOptions {
  /** The VAPID key pair (URL-safe base64, as `web-push generate-vapid-keys` prints it). */
  publicKey: string;
  privateKey: string;
  /** A mailto: or https: contact the push service may reach. */
  subject: string;
  /** How long the push service keeps a message for a device that is offline. */
  ttlSeconds?: number;
  /** Give up on the push service after this long. */
  timeoutMs?: number;
  /**
   * Push services are HTTPS (RFC 8030); plain http is refused unless this is set, for a local
   * stand-in in development and tests.
   */
  allowPlainHttp?: boolean;
}

/** What the service worker receives, as JSON. */
export interface PushPayload {
  id: string;
  kind: OutgoingNotification["kind"];
  title: string;
  body: string;
  tradeId: string | null;
}

/**
 * Web Push with VAPID: web-push encrypts the payload (aes128gcm) for the subscription's keys and
 * signs the VAPID token; the request itself goes out through fetch, bounded by a timeout.
 */
export class WebPushChannel implements PushChannel {
  readonly publicKey: string;
  private readonly ttlSeconds: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebPushOptions) {
    this.publicKey = options.publicKey;
    // A day: later than that a push is stale, and the inbox has it anyway.
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(target: PushTarget, notification: OutgoingNotification): Promise<{ gone: boolean }> {
    const origin = this.pushServiceOrigin(target.endpoint);
    const { title, body } = renderPush(notification);
    const payload: PushPayload = { id: notification.id, kind: notification.kind, title, body, tradeId: notification.tradeId };

    let request: webpush.RequestDetails;
    try {
      request = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: target.keys }, JSON.stringify(payload), {
        vapidDetails: { subject: this.options.subject, publicKey: this.options.publicKey, privateKey: this.options.privateKey },
        TTL: this.ttlSeconds,
        urgency: "normal",
        contentEncoding: "aes128gcm",
      });
    } catch (error) {
      // Malformed subscription keys: sending again will not help.
      throw new DeliveryFailed(`push to ${origin} could not be prepared: ${messageOf(error)}`, "push", false, { cause: error });
    }

    let response: Response;
    try {
      response = await fetch(request.endpoint, {
        method: "POST",
        headers: requestHeaders(request.headers),
        body: request.body ? new Uint8Array(request.body) : null,
        redirect: "error",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DeliveryFailed(`push to ${origin} failed: ${messageOf(error)}`, "push", true, { cause: error });
    }
    const answer = await response.text().catch(() => "");
    if (response.ok) return { gone: false };
    // The push service no longer knows this subscription (unsubscribed, expired): forget it.
    if (response.status === 404 || response.status === 410) return { gone: true };
    throw new DeliveryFailed(
      `push to ${origin} was refused: HTTP ${response.status}${answer ? ` ${answer.slice(0, 200)}` : ""}`,
      "push",
      response.status === 429 || response.status >= 500,
    );
  }

  describe(): string {
    return `push: Web Push (VAPID, subject ${this.options.subject})`;
  }

  /** The endpoint's origin, for messages: the full endpoint is a bearer capability and stays out of logs. */
  private pushServiceOrigin(endpoint: string): string {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch (error) {
      throw new DeliveryFailed("push subscription endpoint is not a URL", "push", false, { cause: error });
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && this.options.allowPlainHttp))
      throw new DeliveryFailed(`push to ${url.origin} refused: push services are https`, "push", false);
    return url.origin;
  }
}

/** VAPID from the configuration; plain-http push endpoints only outside production. */
export function createPushChannel(config: Pick<Config, "VAPID_PUBLIC_KEY" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT" | "NODE_ENV">): WebPushChannel {
  return new WebPushChannel({
    publicKey: config.VAPID_PUBLIC_KEY,
    privateKey: config.VAPID_PRIVATE_KEY,
    subject: config.VAPID_SUBJECT,
    allowPlainHttp: config.NODE_ENV !== "production",
  });
}

// fetch computes Content-Length itself from the body.
function requestHeaders(headers: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => name.toLowerCase() !== "content-length")
      .map(([name, value]) => [name, String(value)]),
  );
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the reason (refused, reset, timed out) as the cause.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
