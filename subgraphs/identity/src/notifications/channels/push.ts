import { AddressRefused, publicOnlyAgent, type Config } from "@localex/common";
import { request, type Agent, type Dispatcher } from "undici";
import webpush from "web-push";
import { DeliveryFailed, type OutgoingNotification, type PushChannel, type PushTarget } from "./channel.ts";
import { endpointRefusal, PUBLIC_PUSH_ENDPOINTS, pushEndpointRules, type PushEndpointRules } from "./push-endpoints.ts";
import { renderPush } from "./templates.ts";

export interface WebPushOptions {
  /** The VAPID key pair (URL-safe base64, as `web-push generate-vapid-keys` prints it). */
  publicKey: string;
  privateKey: string;
  /** A mailto: or https: contact the push service may reach. */
  subject: string;
  /** How long the push service keeps a message for a device that is offline. */
  ttlSeconds?: number;
  /** Give up on the push service after this long, unless send is given a signal (a delivery's budget) instead. */
  timeoutMs?: number;
  /**
   * Push services are HTTPS (RFC 8030); plain http is refused unless this is set, for a local
   * stand-in in development and tests.
   */
  allowPlainHttp?: boolean;
  /** The endpoints we push to (push-endpoints.ts); unset: the public push services only. */
  endpoints?: Omit<PushEndpointRules, "allowPlainHttp">;
}

/** The most of a push service's refusal we keep, for the log. */
const ANSWER_BYTES = 1024;

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
 * signs the VAPID token; the request itself goes out through undici, on connections to public
 * addresses only, bounded by the caller's signal (a delivery's budget) and a timeout of its own.
 */
export class WebPushChannel implements PushChannel {
  readonly publicKey: string;
  private readonly ttlSeconds: number;
  private readonly timeoutMs: number;
  private readonly endpoints: PushEndpointRules;
  /** Every connection is checked where it is made: public addresses only (loopback when allowed). */
  private readonly agent: Agent;

  constructor(private readonly options: WebPushOptions) {
    this.publicKey = options.publicKey;
    // A day: later than that a push is stale, and the inbox has it anyway.
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.endpoints = { ...(options.endpoints ?? PUBLIC_PUSH_ENDPOINTS), allowPlainHttp: options.allowPlainHttp ?? false };
    this.agent = publicOnlyAgent({ allowLoopback: this.endpoints.allowLoopback, connectTimeoutMs: this.timeoutMs });
  }

  async send(target: PushTarget, notification: OutgoingNotification, signal?: AbortSignal): Promise<{ gone: boolean }> {
    const origin = this.pushServiceOrigin(target.endpoint);
    const { title, body } = renderPush(notification);
    const payload: PushPayload = { id: notification.id, kind: notification.kind, title, body, tradeId: notification.tradeId };

    let details: webpush.RequestDetails;
    try {
      details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: target.keys }, JSON.stringify(payload), {
        vapidDetails: { subject: this.options.subject, publicKey: this.options.publicKey, privateKey: this.options.privateKey },
        TTL: this.ttlSeconds,
        urgency: "normal",
        contentEncoding: "aes128gcm",
      });
    } catch (error) {
      // Malformed subscription keys: sending again will not help.
      throw new DeliveryFailed(`push to ${origin} could not be prepared: ${messageOf(error)}`, "push", false, { cause: error });
    }

    let response: Dispatcher.ResponseData;
    try {
      // undici's request follows no redirect: the push service answers, or nobody does.
      response = await request(details.endpoint, {
        method: "POST",
        headers: requestHeaders(details.headers),
        body: details.body ? new Uint8Array(details.body) : null,
        dispatcher: this.agent,
        // The delivery's budget, when given, is the bound (it is the shorter); else our own.
        signal: signal ?? AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Refused for where it goes (a private address, however the name resolved): never retried.
      const refused = error instanceof AddressRefused || (error instanceof Error && error.cause instanceof AddressRefused);
      throw new DeliveryFailed(`push to ${origin} ${refused ? "refused" : "failed"}: ${messageOf(error)}`, "push", !refused, { cause: error });
    }
    const { statusCode } = response;
    const answer = await firstBytes(response.body, ANSWER_BYTES);
    if (statusCode >= 200 && statusCode < 300) return { gone: false };
    // The push service no longer knows this subscription (unsubscribed, expired): forget it.
    if (statusCode === 404 || statusCode === 410) return { gone: true };
    throw new DeliveryFailed(
      `push to ${origin} was refused: HTTP ${statusCode}${answer ? ` ${answer.slice(0, 200)}` : ""}`,
      "push",
      statusCode === 429 || statusCode >= 500,
    );
  }

  describe(): string {
    return `push: Web Push (VAPID, subject ${this.options.subject}) to ${this.endpoints.hosts.join(", ")}${this.endpoints.allowLoopback ? " and loopback" : ""}`;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** The endpoint's origin, for messages: the full endpoint is a bearer capability and stays out of logs. */
  private pushServiceOrigin(endpoint: string): string {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch (error) {
      throw new DeliveryFailed("push subscription endpoint is not a URL", "push", false, { cause: error });
    }
    // Checked at registration, and again here: rules that changed since then hold too.
    const refusal = endpointRefusal(url, this.endpoints);
    if (refusal) throw new DeliveryFailed(`push to ${url.origin} refused: ${refusal}`, "push", false);
    return url.origin;
  }
}

/** VAPID and the endpoints we push to from the configuration; plain-http push endpoints only outside production. */
export function createPushChannel(push: Config["push"]): WebPushChannel {
  const rules = pushEndpointRules(push);
  return new WebPushChannel({
    ...push.vapid,
    allowPlainHttp: rules.allowPlainHttp,
    endpoints: { hosts: rules.hosts, allowLoopback: rules.allowLoopback },
  });
}

// undici computes Content-Length itself from the body.
function requestHeaders(headers: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => name.toLowerCase() !== "content-length")
      .map(([name, value]) => [name, String(value)]),
  );
}

/** Up to `limit` bytes of a body as text, the rest left unread and the stream closed: a push service's answer is short, a member's server's need not be. */
async function firstBytes(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) break;
    }
  } catch {
    // The answer's status is what counts; a body cut short changes nothing.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Some failures keep the reason (refused, reset, timed out) as the cause.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
