// Identity's sections: accounts, mail and Web Push.
import { z } from "zod";
import { httpUrl, nodeEnv, problem } from "./config-schema.ts";

/** A development-only VAPID key pair for Web Push (generated once, published here, refused in production). */
export const DEV_VAPID_PUBLIC_KEY = "BPAi8-Ir-4qeDuXRVCAkp1TmSahHXqCeksyAUNI0vj5mNpntKcpFzhpkUoiLRvK6z_RkPfPkBm6LiuUJvhoiRTc";
export const DEV_VAPID_PRIVATE_KEY = "SChQoQD-ltMuyuuXE8SNB_GY0ZM3iY-WexE6FqjwI14";
/** Where links in mail point when PUBLIC_APP_URL is unset (development only). */
export const DEVELOPMENT_APP_URL = "http://localhost:3000";

/**
 * The public Web Push services (Chrome and Edge's FCM, Firefox's autopush, Windows' WNS, Safari's
 * APNs): the only hosts a browser's push endpoint is on, and so the only ones we push to.
 */
export const PUBLIC_PUSH_SERVICE_HOSTS = [
  "fcm.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.notify.windows.com",
  "web.push.apple.com",
  "*.push.apple.com",
] as const;
/** A host name, or `*.` and a domain for any name under it (never a bare `*`). */
const PUSH_HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export const accounts = z
  .object({
    ADMIN_EMAILS: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((e) => e.trim().toLowerCase())
          .filter(Boolean),
      ),
    /**
     * Past an account's LOGIN_FAILURES_PER_ACCOUNT, an attempt from a device not known for it must
     * come this long after the last one, doubled for each attempt since, up to the maximum.
     */
    LOGIN_BACKOFF_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(1),
    LOGIN_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** How long the email-verification link mailed at registration stays valid. */
    EMAIL_VERIFICATION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(48 * 3600),
    /** How long a password-reset link works (it also stops working once the password changes). */
    PASSWORD_RESET_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(30 * 60),
    /** How long the link confirming a new email address works (changeEmail → confirmEmailChange). */
    EMAIL_CHANGE_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(24 * 3600),
    /** How long the undo link mailed to the old address works (undoEmailChange); the old address stays reserved meanwhile. */
    EMAIL_CHANGE_UNDO_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(3600)
      .max(30 * 86_400)
      .default(7 * 86_400),
    /** How long a verification request's private documents are kept after the decision (0: deleted at once). */
    VERIFICATION_DOCUMENT_RETENTION_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 365)
      .default(24 * 7),
    /** Notifications of one kind within this window go out as one email (a digest). */
    NOTIFICATION_DIGEST_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
  })
  .superRefine((v, ctx) => {
    if (v.LOGIN_BACKOFF_MAX_SECONDS < v.LOGIN_BACKOFF_BASE_SECONDS) problem(ctx, "LOGIN_BACKOFF_MAX_SECONDS", "must be at least LOGIN_BACKOFF_BASE_SECONDS");
  })
  .transform((v) => ({
    adminEmails: v.ADMIN_EMAILS,
    loginBackoff: { baseSeconds: v.LOGIN_BACKOFF_BASE_SECONDS, maxSeconds: v.LOGIN_BACKOFF_MAX_SECONDS },
    emailVerificationTtlSeconds: v.EMAIL_VERIFICATION_TTL_SECONDS,
    passwordResetTtlSeconds: v.PASSWORD_RESET_TTL_SECONDS,
    emailChangeTtlSeconds: v.EMAIL_CHANGE_TTL_SECONDS,
    emailChangeUndoTtlSeconds: v.EMAIL_CHANGE_UNDO_TTL_SECONDS,
    verificationDocumentRetentionHours: v.VERIFICATION_DOCUMENT_RETENTION_HOURS,
    notificationDigestSeconds: v.NOTIFICATION_DIGEST_SECONDS,
  }));

/**
 * Outgoing mail: SMTP when SMTP_URL is set, otherwise the in-memory development mailbox. In
 * production the mailbox would swallow every email (verification links included) and
 * PUBLIC_APP_URL has no sensible default, so both are required there.
 */
export const mail = z
  .object({
    NODE_ENV: nodeEnv,
    /** Outgoing mail: smtp://user:pass@host:port (smtps:// for TLS). Unset: mail goes to the development inbox. */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    MAIL_FROM: z.string().default("LocalEx <no-reply@localex.invalid>"),
    /** The web app's address: links in mail (email verification, notifications) point under it. Required in production. */
    PUBLIC_APP_URL: httpUrl().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV !== "production") return;
    if (!v.SMTP_URL)
      problem(
        ctx,
        "SMTP_URL",
        "is required in production (smtp://user:pass@host:port); without it mail would go to the development inbox, which production does not serve",
      );
    if (!v.PUBLIC_APP_URL) problem(ctx, "PUBLIC_APP_URL", "is required in production (the web app's https address that links in mail point to)");
  })
  .transform((v) => ({
    /** SMTP, or the development inbox (refused in production). */
    transport: v.SMTP_URL ? ({ kind: "smtp", url: v.SMTP_URL } as const) : ({ kind: "inbox" } as const),
    from: v.MAIL_FROM,
    /** The base of links in mail, without a trailing slash. */
    appUrl: (v.PUBLIC_APP_URL ?? DEVELOPMENT_APP_URL).replace(/\/+$/, ""),
  }));

export const push = z
  .object({
    NODE_ENV: nodeEnv,
    /** Web Push (VAPID): the key pair and a contact (mailto: or https:) push services may reach. */
    VAPID_PUBLIC_KEY: z.string().min(20).default(DEV_VAPID_PUBLIC_KEY),
    VAPID_PRIVATE_KEY: z.string().min(20).default(DEV_VAPID_PRIVATE_KEY),
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:)/, "must be a mailto: or https: URL")
      .default("mailto:dev@localex.invalid"),
    /**
     * The hosts push endpoints may be on, comma-separated (`*.example.org`: any name under it).
     * A subscription elsewhere is refused at registration (PUSH_ENDPOINT_NOT_ALLOWED) and never sent to.
     */
    PUSH_ENDPOINT_HOSTS: z
      .string()
      .default(PUBLIC_PUSH_SERVICE_HOSTS.join(","))
      .transform((s) =>
        s
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(PUSH_HOST_PATTERN, "each must be a host name or *.domain")).min(1, "must name at least one host")),
    /**
     * Development and tests only: push endpoints on this machine (localhost, 127.0.0.1, ::1) are
     * accepted and sent to, for a local stand-in push service. Refused in production.
     */
    PUSH_ALLOW_LOOPBACK: z.stringbool().default(false),
    /** How long one notification's push to all of a member's browsers may take, together (they are sent at once). */
    PUSH_SEND_BUDGET_SECONDS: z.coerce.number().min(1).max(60).default(5),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV !== "production") return;
    if (v.VAPID_PRIVATE_KEY === DEV_VAPID_PRIVATE_KEY)
      problem(ctx, "VAPID_PRIVATE_KEY", "the development key pair is refused in production; generate one (npx web-push generate-vapid-keys)");
    if (v.PUSH_ALLOW_LOOPBACK) problem(ctx, "PUSH_ALLOW_LOOPBACK", "is for a local stand-in push service in development and tests; refused in production");
  })
  .transform((v) => ({
    vapid: { publicKey: v.VAPID_PUBLIC_KEY, privateKey: v.VAPID_PRIVATE_KEY, subject: v.VAPID_SUBJECT },
    endpointHosts: v.PUSH_ENDPOINT_HOSTS,
    allowLoopback: v.PUSH_ALLOW_LOOPBACK,
    /** Push endpoints over plain http: a local stand-in push service, outside production only. */
    allowPlainHttp: v.NODE_ENV !== "production",
    sendBudgetSeconds: v.PUSH_SEND_BUDGET_SECONDS,
  }));
