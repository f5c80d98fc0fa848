import { eq } from "drizzle-orm";
import { jobTask, TASKS, type Database, type Logger, type Task } from "@localex/common";
import { emailChanges, users, type schema } from "../db/schema.ts";
import { DeliveryFailed, type EmailChannel, type RenderedEmail } from "../notifications/channels/index.ts";
import { render, when } from "../password-reset/password-emails.ts";
import { signChangeToken, type ChangeLink } from "./change-tokens.ts";

export interface EmailChangeEmailOptions {
  JWT_SECRET: string;
  /** The web app's base URL (PUBLIC_APP_URL): `<appUrl>/confirm-email-change?token=…`, `<appUrl>/undo-email-change?token=…`. */
  appUrl: string;
}

const PATHS: Record<ChangeLink, string> = { confirm: "confirm-email-change", undo: "undo-email-change" };

export function renderConfirmLink(displayName: string, newEmail: string, url: string, expiresAt: Date): RenderedEmail {
  return render(
    "Confirm your new LocalEx email address",
    [
      `Hi ${displayName},`,
      `Someone (we hope you) asked to make ${newEmail} the email address of their LocalEx account.`,
      `The link works once, until ${when(expiresAt)}. If you did not ask, ignore this email: nothing changes.`,
    ],
    { text: "Confirm this address", url },
  );
}

export function renderUndoNotice(displayName: string, newEmail: string, url: string, expiresAt: Date): RenderedEmail {
  return render(
    "Your LocalEx email address is being changed",
    [
      `Hi ${displayName},`,
      `Someone asked to change the email address of your LocalEx account to ${newEmail}; it changes once that address confirms.`,
      `If that was not you, undo it: the link puts this address back, cancels the change and signs the account out everywhere. It works once, until ${when(expiresAt)}.`,
    ],
    { text: "Undo the change", url },
  );
}

/**
 * `identity:send-email-change-email`: the confirmation link to the new address (nothing once the
 * change is confirmed, undone or replaced), or the notice with the undo link to the old one
 * (nothing once undone). Links are signed when the job runs, expiring at the change's deadlines.
 * A departing member gets nothing; a refused mailbox is logged and not retried; an outage is
 * thrown, and the queue retries with backoff.
 */
export function sendEmailChangeEmailTask(deps: { db: Database<typeof schema>; email: EmailChannel; options: EmailChangeEmailOptions; log: Logger }): Task {
  return jobTask(TASKS.sendEmailChangeEmail, deps.log, async ({ changeId, kind }) => {
    const [row] = await deps.db
      .select({ change: emailChanges, user: users })
      .from(emailChanges)
      .innerJoin(users, eq(users.id, emailChanges.userId))
      .where(eq(emailChanges.id, changeId));
    if (!row || row.user.deletionRequestedAt || row.change.undoneAt) return;
    const { change, user } = row;
    const link: ChangeLink = kind === "confirm-link" ? "confirm" : "undo";
    if (link === "confirm" && (change.confirmedAt || change.supersededAt)) return;
    const signed = await signChangeToken(
      deps.options.JWT_SECRET,
      link,
      { userId: user.id, changeId },
      link === "confirm" ? change.confirmExpiresAt : change.undoExpiresAt,
    );
    if (!signed) return; // past its deadline already
    const url = new URL(`${deps.options.appUrl}/${PATHS[link]}`);
    url.searchParams.set("token", signed.token);
    const to = link === "confirm" ? change.newEmail : change.oldEmail;
    const mail =
      link === "confirm"
        ? renderConfirmLink(user.displayName, change.newEmail, url.toString(), signed.expiresAt)
        : renderUndoNotice(user.displayName, change.newEmail, url.toString(), signed.expiresAt);
    try {
      await deps.email.sendMessage({ userId: user.id, email: to, displayName: user.displayName }, mail);
    } catch (e) {
      if (e instanceof DeliveryFailed && !e.retryable) {
        deps.log.error({ err: e, userId: user.id, changeId, kind }, "an email-change email was refused; not retried");
        return;
      }
      throw e;
    }
  });
}
