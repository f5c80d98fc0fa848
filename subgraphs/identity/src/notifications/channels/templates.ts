import type { NotificationKind, OutgoingNotification, Recipient } from "./channel.ts";

/** Where "open LocalEx" links point. A placeholder until the web app's address is configured. */
export const APP_URL = "https://localex.invalid";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface PushText {
  title: string;
  body: string;
}

export interface TemplateOptions {
  appUrl?: string;
}

interface Wording {
  /** Subject of an email about one notification, and the title of its push. */
  one: string;
  /** Subject of a digest of several of this kind. */
  several: (count: number) => string;
}

// All the words members read about a notification, in one table.
const WORDING: Record<NotificationKind, Wording> = {
  TRADE_PROPOSED: { one: "New trade proposal", several: (n) => `${n} trade proposals` },
  TRADE_COUNTERED: { one: "Counter-offer on your trade", several: (n) => `${n} counter-offers` },
  TRADE_ACCEPTED: { one: "Your trade was accepted", several: (n) => `${n} trades accepted` },
  TRADE_DECLINED: { one: "Your trade was declined", several: (n) => `${n} trades declined` },
  TRADE_CANCELLED: { one: "A trade was cancelled", several: (n) => `${n} trades cancelled` },
  TRADE_EXPIRED: { one: "A trade expired", several: (n) => `${n} trades expired` },
  TRADE_COMPLETED: { one: "Trade completed", several: (n) => `${n} trades completed` },
  TRADE_DISPUTED: { one: "A trade is disputed", several: (n) => `${n} trades disputed` },
  TRADE_RESOLVED: { one: "A dispute was resolved", several: (n) => `${n} disputes resolved` },
  TRADE_MESSAGE: { one: "New messages on your trade", several: (n) => `New messages on ${n} trades` },
  CREDITS_RECEIVED: { one: "You received credits", several: (n) => `${n} credit transfers received` },
  PHOTO_READY: { one: "Your photo is ready", several: (n) => `${n} photos ready` },
  PHOTO_FAILED: { one: "A photo could not be processed", several: (n) => `${n} photos could not be processed` },
  UPLOAD_INFECTED: { one: "A file you uploaded was refused: malware", several: (n) => `${n} files you uploaded were refused: malware` },
  VERIFICATION_APPROVED: { one: "You are verified", several: () => "You are verified" },
  VERIFICATION_REJECTED: { one: "Your verification was not approved", several: (n) => `${n} verification requests not approved` },
  DATA_EXPORT_READY: { one: "Your data export is ready", several: (n) => `${n} data exports ready` },
  MEMBER_SUSPENDED: { one: "Your account is suspended", several: () => "Your account is suspended" },
  MEMBER_REINSTATED: { one: "Your account is no longer suspended", several: () => "Your account is no longer suspended" },
  REPORT_RESOLVED: { one: "We looked at your report", several: (n) => `We looked at ${n} of your reports` },
  LISTING_HIDDEN: { one: "A listing of yours was taken down", several: (n) => `${n} listings of yours were taken down` },
  LISTING_RESTORED: { one: "A listing of yours is visible again", several: (n) => `${n} listings of yours are visible again` },
  MEDIA_TAKEN_DOWN: { one: "A file of yours was taken down", several: (n) => `${n} files of yours were taken down` },
  DISPUTE_OPENED: { one: "A dispute waits in the queue", several: (n) => `${n} disputes wait in the queue` },
};

// Push services cap the encrypted payload near 4 KB; the inbox keeps the full message.
const PUSH_BODY_MAX_CHARS = 500;

export function subjectOf(kind: NotificationKind): string {
  return WORDING[kind].one;
}

/** The email for one notification, or the digest for several (oldest first). */
export function renderEmail(recipient: Recipient, notifications: OutgoingNotification[], options: TemplateOptions = {}): RenderedEmail {
  const appUrl = options.appUrl ?? APP_URL;
  const items = [...notifications].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const first = items[0];
  if (!first) throw new Error("renderEmail needs at least one notification");
  const greeting = `Hi ${recipient.displayName},`;
  const settings = `${appUrl}/settings/notifications`;
  const footer = "You get this email because email notifications are on for your LocalEx account.";

  if (items.length === 1) {
    const link = linkOf(first, appUrl);
    const action = first.tradeId ? "Open the trade" : "Open LocalEx";
    return {
      subject: subjectOf(first.kind),
      text: [greeting, "", first.message, "", `${action}: ${link}`, "", "--", footer, `Notification settings: ${settings}`, ""].join("\n"),
      html: page(
        subjectOf(first.kind),
        `<p>${escapeHtml(greeting)}</p>\n<p>${escapeHtml(first.message)}</p>\n<p><a href="${escapeHtml(link)}">${action}</a></p>`,
        footer,
        settings,
      ),
    };
  }

  const kinds = new Set(items.map((n) => n.kind));
  const subject = kinds.size === 1 ? WORDING[first.kind].several(items.length) : `${items.length} notifications`;
  const all = `${appUrl}/notifications`;
  return {
    subject,
    text: [
      greeting,
      "",
      `You have ${subject} on LocalEx:`,
      "",
      ...items.flatMap((n) => [`- ${n.message}`, `  ${linkOf(n, appUrl)}`]),
      "",
      `Open LocalEx: ${all}`,
      "",
      "--",
      footer,
      `Notification settings: ${settings}`,
      "",
    ].join("\n"),
    html: page(
      subject,
      [
        `<p>${escapeHtml(greeting)}</p>`,
        `<p>You have ${escapeHtml(subject)} on LocalEx:</p>`,
        "<ul>",
        ...items.map((n) => `  <li><a href="${escapeHtml(linkOf(n, appUrl))}">${escapeHtml(n.message)}</a></li>`),
        "</ul>",
        `<p><a href="${escapeHtml(all)}">Open LocalEx</a></p>`,
      ].join("\n"),
      footer,
      settings,
    ),
  };
}

/**
 * The email mailed at registration (and on request): the link that verifies the address. It
 * says when the link stops working and that it works once; the welcome credits follow it.
 */
export function renderVerificationEmail(recipient: Pick<Recipient, "displayName">, link: string, expiresAt: Date): RenderedEmail {
  const subject = "Confirm your email address";
  const greeting = `Hi ${recipient.displayName},`;
  const why = "Confirm your email address to finish joining LocalEx; your welcome credits arrive once it is confirmed.";
  const validity = `The link works once and until ${expiresAt
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}. If it has expired, ask for a new one from your account page.`;
  const footer = "You get this email because this address was used to sign up for LocalEx. If that was not you, ignore it: nothing happens without the link.";
  return {
    subject,
    text: [greeting, "", why, "", `Confirm your email address: ${link}`, "", validity, "", "--", footer, ""].join("\n"),
    html: `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222;">
<p>${escapeHtml(greeting)}</p>
<p>${escapeHtml(why)}</p>
<p><a href="${escapeHtml(link)}">Confirm your email address</a></p>
<p>${escapeHtml(validity)}</p>
<hr>
<p style="font-size: small; color: #666;">${escapeHtml(footer)}</p>
</body>
</html>
`,
  };
}

/** The title and body a browser shows for a push. */
export function renderPush(notification: OutgoingNotification): PushText {
  const body = notification.message.length > PUSH_BODY_MAX_CHARS ? `${notification.message.slice(0, PUSH_BODY_MAX_CHARS - 1)}…` : notification.message;
  return { title: subjectOf(notification.kind), body };
}

/** Where a notification leads: its trade when it has one, otherwise the inbox. */
export function linkOf(notification: OutgoingNotification, appUrl: string = APP_URL): string {
  return notification.tradeId ? `${appUrl}/trades/${encodeURIComponent(notification.tradeId)}` : `${appUrl}/notifications`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function page(title: string, content: string, footer: string, settings: string): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222;">
${content}
<hr>
<p style="font-size: small; color: #666;">${escapeHtml(footer)} <a href="${escapeHtml(settings)}">Notification settings</a></p>
</body>
</html>
`;
}

export type Details = Record<string, string | number>;

/** The one-line message of each kind: the inbox's text, a push's body, an email's first line. */
export function notificationMessage(kind: NotificationKind, details: Details): string {
  const credits = (n: unknown) => `${n} credit${n === 1 ? "" : "s"}`;
  switch (kind) {
    case "TRADE_PROPOSED":
      return "You have a new trade proposal.";
    case "TRADE_COUNTERED":
      return "Your trade got a counter-offer; it is your turn.";
    case "TRADE_ACCEPTED":
      return "Your trade was accepted: the items are reserved and credits held in escrow.";
    case "TRADE_DECLINED":
      return "Your trade proposal was declined.";
    case "TRADE_CANCELLED":
      return "A trade was cancelled; anything held for it is released.";
    case "TRADE_EXPIRED":
      return "A trade expired before it was accepted.";
    case "TRADE_COMPLETED":
      return "A trade is complete: the credits and items have changed hands.";
    case "TRADE_DISPUTED":
      return "A dispute was opened on your trade; an administrator will look at it.";
    case "TRADE_RESOLVED":
      return `An administrator resolved the dispute on your trade${details.outcome === "COMPLETE" ? ": it is completed" : details.outcome === "CANCEL" ? ": it is cancelled" : ""}.${details.reason ? ` Reason: ${details.reason}` : ""}`;
    case "TRADE_MESSAGE":
      // Never the text itself: it stays in the trade, not in mail or push services.
      return "The other party of your trade sent you a message.";
    case "CREDITS_RECEIVED":
      return `You received ${credits(details.amount)}${details.memo ? `: ${details.memo}` : "."}`;
    case "PHOTO_READY":
      return "Your photo is ready.";
    case "PHOTO_FAILED":
      return `Your photo could not be used${details.reason ? `: ${details.reason}` : "."}`;
    case "UPLOAD_INFECTED":
      // The file is gone; what is left to do is on the member's side.
      return `Your upload${details.filename ? ` “${details.filename}”` : ""} was deleted. ${details.reason ?? "The virus scanner found malware in it."} Check the device it came from with an up-to-date virus scanner.`;
    case "VERIFICATION_APPROVED":
      return "Your documents were checked: your profile now shows you as verified.";
    case "VERIFICATION_REJECTED":
      return `Your verification request was not approved${details.reason ? `: ${details.reason}` : "."} You can send new documents.`;
    case "DATA_EXPORT_READY":
      return "Your data export is ready to download for the next few days (see the job's downloadUrl).";
    case "MEMBER_SUSPENDED":
      return `Your account is suspended ${details.until ? `until ${details.until}` : "until an administrator lifts it"}${details.reason ? `: ${details.reason}` : "."} Meanwhile you cannot list, trade or send credits; the other party can still complete or cancel your open trades.`;
    case "MEMBER_REINSTATED":
      return "Your account is no longer suspended: you can list, trade and send credits again.";
    case "REPORT_RESOLVED":
      return `Thank you for your report${details.subject ? ` about ${details.subject}` : ""}. ${reportOutcome(details.outcome)}`;
    case "LISTING_HIDDEN":
      return `Your listing${details.title ? ` “${details.title}”` : ""} was taken down and only you and administrators can see it${details.reason ? `: ${details.reason}` : "."}`;
    case "LISTING_RESTORED":
      return `Your listing${details.title ? ` “${details.title}”` : ""} is visible to everyone again.`;
    case "MEDIA_TAKEN_DOWN":
      return `Your file${details.filename ? ` “${details.filename}”` : ""} was taken down and is no longer served${details.reason ? `: ${details.reason}` : "."}`;
    case "DISPUTE_OPENED":
      return `A dispute was opened${details.reason ? `: ${details.reason}` : ""}. It waits in the disputes queue for an administrator.`;
  }
}

/** What a reporter is told about the outcome: what happened, never who decided it. */
function reportOutcome(outcome: unknown): string {
  switch (outcome) {
    case "LISTING_HIDDEN":
      return "The listing was taken down.";
    case "MEMBER_SUSPENDED":
      return "The member was suspended.";
    default:
      return "We found nothing that breaks the exchange's rules this time.";
  }
}
