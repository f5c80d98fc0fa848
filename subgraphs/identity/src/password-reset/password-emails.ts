import { eq } from "drizzle-orm";
import { jobTask, TASKS, type Database, type Logger, type Task } from "@localex/common";
import { users, type UserRow, type schema } from "../db/schema.ts";
import { DeliveryFailed, escapeHtml, type EmailChannel, type RenderedEmail } from "../notifications/channels/index.ts";
import { signResetToken } from "./reset-token.ts";

export interface PasswordEmailOptions {
  JWT_SECRET: string;
  PASSWORD_RESET_TTL_SECONDS: number;
  /** The web app's base URL (PUBLIC_APP_URL); the link is `<appUrl>/reset-password?token=…`. */
  appUrl: string;
}

export const when = (date: Date) =>
  date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

export function render(subject: string, paragraphs: string[], link?: { text: string; url: string }): RenderedEmail {
  const footer = "You get this email because of a change to your LocalEx account's sign-in.";
  return {
    subject,
    text: [...paragraphs.flatMap((p) => [p, ""]), ...(link ? [`${link.text}: ${link.url}`, ""] : []), "--", footer, ""].join("\n"),
    html: `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222;">
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${link ? `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.text)}</a></p>` : ""}
<hr>
<p style="font-size: small; color: #666;">${escapeHtml(footer)}</p>
</body>
</html>
`,
  };
}

export function renderResetLink(user: Pick<UserRow, "displayName">, url: string, expiresAt: Date): RenderedEmail {
  return render(
    "Reset your LocalEx password",
    [
      `Hi ${user.displayName},`,
      "Someone (we hope you) asked to reset the password of your LocalEx account.",
      `The link works once, until ${when(expiresAt)}. If you did not ask, ignore this email: your password stays as it is.`,
    ],
    { text: "Choose a new password", url },
  );
}

export function renderPasswordChanged(user: Pick<UserRow, "displayName">, changedAt: Date): RenderedEmail {
  return render("Your LocalEx password was changed", [
    `Hi ${user.displayName},`,
    `The password of your LocalEx account was changed at ${when(changedAt)}, and your other sessions were signed out.`,
    "If that was not you, reset your password at once from the sign-in page and tell us.",
  ]);
}

/**
 * `identity:send-password-email`: the reset link (signed when the job runs, so a retried send
 * carries a link valid for the full period, tied to the password as it is then) or the notice
 * that the password changed. A departing member gets nothing; a refused mailbox is logged and not
 * retried; an outage is thrown, and the queue retries with backoff.
 */
export function sendPasswordEmailTask(deps: { db: Database<typeof schema>; email: EmailChannel; options: PasswordEmailOptions; log: Logger }): Task {
  return jobTask(TASKS.sendPasswordEmail, deps.log, async ({ userId, kind, at }) => {
    const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
    if (!user || user.deletionRequestedAt) return;
    let mail: RenderedEmail;
    if (kind === "reset-link") {
      const { token, expiresAt } = await signResetToken(
        deps.options.JWT_SECRET,
        { userId: user.id, passwordHash: user.passwordHash },
        deps.options.PASSWORD_RESET_TTL_SECONDS,
      );
      const url = new URL(`${deps.options.appUrl}/reset-password`);
      url.searchParams.set("token", token);
      mail = renderResetLink(user, url.toString(), expiresAt);
    } else {
      mail = renderPasswordChanged(user, new Date(at));
    }
    try {
      await deps.email.sendMessage({ userId, email: user.email, displayName: user.displayName }, mail);
    } catch (e) {
      if (e instanceof DeliveryFailed && !e.retryable) {
        deps.log.error({ err: e, userId, kind }, "a password email was refused; not retried");
        return;
      }
      throw e;
    }
  });
}
