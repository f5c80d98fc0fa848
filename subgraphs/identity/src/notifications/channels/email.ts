import type { Config } from "@localex/common";
import { createTransport, type SMTPPoolOptions, type SMTPPoolSentMessageInfo, type Transporter } from "nodemailer";
import { DeliveryFailed, type EmailChannel, type OutgoingNotification, type Recipient } from "./channel.ts";
import { renderEmail, type RenderedEmail } from "./templates.ts";

export interface SmtpEmailOptions {
  /** smtp://user:pass@host:port, or smtps:// for TLS from the start. */
  url: string;
  from: string;
  appUrl?: string;
  /** Give up opening the TCP connection after this long. */
  connectionTimeoutMs?: number;
  /** Give up when the server accepts the connection but does not greet within this long. */
  greetingTimeoutMs?: number;
  /** Give up on a connection that goes silent mid-conversation for this long. */
  socketTimeoutMs?: number;
  /** Give up on one message altogether (queueing in the pool included) after this long. */
  sendTimeoutMs?: number;
}

/**
 * Mail over SMTP through a small pool of connections. Every wait is bounded, so a dead or
 * hung server fails a send within seconds (and the caller's job retries it) instead of
 * holding it for nodemailer's default minutes.
 */
export class SmtpEmailChannel implements EmailChannel {
  private readonly transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  private readonly where: string;
  private readonly sendTimeoutMs: number;

  constructor(private readonly options: SmtpEmailOptions) {
    this.where = withoutCredentials(options.url);
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.transport = createTransport({
      url: options.url,
      pool: true,
      maxConnections: 3,
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      greetingTimeout: options.greetingTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 20_000,
      dnsTimeout: 5_000,
      logger: false,
    });
  }

  async send(recipient: Recipient, notifications: OutgoingNotification[]): Promise<void> {
    await this.sendMessage(recipient, renderEmail(recipient, notifications, { appUrl: this.options.appUrl }));
  }

  async sendMessage(recipient: Recipient, mail: RenderedEmail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: { name: recipient.displayName, address: recipient.email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834: tells auto-responders (out-of-office) not to answer a notification.
        headers: { "Auto-Submitted": "auto-generated" },
        signal: AbortSignal.timeout(this.sendTimeoutMs),
      });
    } catch (error) {
      throw smtpFailure(error, recipient.email, this.where);
    }
  }

  describe(): string {
    return `email: SMTP at ${this.where} (pooled), from ${this.options.from}`;
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

export interface DevelopmentMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  sentAt: Date;
}

/**
 * No SMTP server configured: mail is kept in memory (the last `capacity` messages, newest
 * first) for a development inbox page to show, and sent nowhere.
 */
export class DevelopmentMailbox implements EmailChannel {
  private readonly messages: DevelopmentMail[] = [];
  private readonly capacity: number;

  constructor(private readonly options: { from: string; capacity?: number; appUrl?: string }) {
    this.capacity = options.capacity ?? 100;
  }

  async send(recipient: Recipient, notifications: OutgoingNotification[]): Promise<void> {
    await this.sendMessage(recipient, renderEmail(recipient, notifications, { appUrl: this.options.appUrl }));
  }

  async sendMessage(recipient: Recipient, mail: RenderedEmail): Promise<void> {
    this.messages.unshift({ to: recipient.email, from: this.options.from, subject: mail.subject, text: mail.text, html: mail.html, sentAt: new Date() });
    this.messages.length = Math.min(this.messages.length, this.capacity);
  }

  /** Newest first; `to` matches the recipient's address, case-insensitively. */
  list(filter: { to?: string } = {}): DevelopmentMail[] {
    const to = filter.to?.toLowerCase();
    return this.messages.filter((m) => to === undefined || m.to.toLowerCase() === to).map((m) => ({ ...m }));
  }

  describe(): string {
    return `email: development mailbox in memory (SMTP_URL is not set), keeps the last ${this.capacity} messages, sends nothing`;
  }

  async close(): Promise<void> {}
}

/** Where links in mail point when PUBLIC_APP_URL is unset (development and tests only). */
/** Where links in mail point when PUBLIC_APP_URL is unset (development only). */
export { DEVELOPMENT_APP_URL } from "@localex/common";

/**
 * SMTP when SMTP_URL is set, otherwise the in-memory development mailbox (the configuration
 * refuses production without SMTP_URL and PUBLIC_APP_URL, naming them).
 */
export function createEmailChannel(mail: Config["mail"]): SmtpEmailChannel | DevelopmentMailbox {
  return mail.transport.kind === "smtp"
    ? new SmtpEmailChannel({ url: mail.transport.url, from: mail.from, appUrl: mail.appUrl })
    : new DevelopmentMailbox({ from: mail.from, appUrl: mail.appUrl });
}

/** The URL for logs and errors: the password stays out of both. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function smtpFailure(error: unknown, to: string, where: string): DeliveryFailed {
  const detail = error instanceof Error ? error.message : String(error);
  const code = field(error, "code");
  // nodemailer marks a reply that rejects the message for good (5xx but 503) as permanent;
  // no reply at all (refused, timed out, hung up) is an outage worth retrying.
  const permanent = field(error, "permanent") === true;
  return new DeliveryFailed(`email to ${to} via ${where} failed: ${detail}${typeof code === "string" ? ` (${code})` : ""}`, "email", !permanent, {
    cause: error,
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}
