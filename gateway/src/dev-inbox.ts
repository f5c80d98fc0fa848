import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { errorBody } from "@localex/common";

/** One message of the development inbox, as identity keeps it. */
interface DevelopmentMail {
  to: string;
  from?: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/**
 * `GET /dev/mail` (development only; server.ts does not register it in production): the mail
 * identity would have sent, newest first, `?to=` filtering by recipient, as Mailpit shows it for
 * other stacks. JSON (`[{ to, subject, text, html, sentAt }]`) by default; a page to read them
 * for a browser (`Accept: text/html`) or with `?format=html`. Identity keeps the mail when no
 * SMTP_URL is set; the gateway only relays, so front-end developers need one address.
 */
export function serveDevelopmentInbox(app: FastifyInstance, identityUrl: string | undefined): void {
  if (!identityUrl) return;
  const inbox = new URL("/dev/mail", identityUrl);
  app.get<{ Querystring: { to?: string; format?: string } }>("/dev/mail", async (req, reply) => {
    const to = typeof req.query.to === "string" && req.query.to.trim() ? req.query.to.trim() : undefined;
    const wantsHtml = req.query.format === "html" || (req.query.format !== "json" && /\btext\/html\b/.test(req.headers.accept ?? ""));
    const url = new URL(inbox);
    if (to) url.searchParams.set("to", to);
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(url, { method: "GET", headersTimeout: 5000, bodyTimeout: 5000 });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return reply.code(502).send(errorBody("BAD_GATEWAY", `The identity subgraph did not answer for its development inbox: ${detail}`));
    }
    if (answer.statusCode === 404) {
      await answer.body.dump();
      return reply.code(404).send(errorBody("NOT_FOUND", "Mail goes to SMTP_URL here; there is no development inbox."));
    }
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      return reply.code(502).send(errorBody("BAD_GATEWAY", `The identity subgraph answered ${answer.statusCode} for its development inbox.`));
    }
    const messages = ((await answer.body.json()) as DevelopmentMail[]).map((m) => ({
      to: m.to,
      from: m.from,
      subject: m.subject,
      text: m.text,
      html: m.html,
      sentAt: m.sentAt,
    }));
    if (wantsHtml) return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(inboxPage(messages, to));
    return reply.type("application/json").header("cache-control", "no-store").send(messages);
  });
}

/** A self-contained page: each message's HTML is shown in a sandboxed frame (no scripts, no same origin). */
function inboxPage(messages: DevelopmentMail[], to: string | undefined): string {
  const items = messages
    .map(
      (m) => `<article>
  <header><strong>${escapeHtml(m.subject)}</strong><br><small>to ${escapeHtml(m.to)} · ${escapeHtml(m.sentAt)}</small></header>
  <iframe sandbox="" srcdoc="${escapeHtml(m.html)}" title="${escapeHtml(m.subject)}"></iframe>
  <details><summary>Plain text</summary><pre>${escapeHtml(m.text)}</pre></details>
</article>`,
    )
    .join("\n");
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>LocalEx development inbox</title>
<style>
body { font-family: sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
article { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
iframe { width: 100%; height: 16rem; border: 1px solid #eee; margin-top: .5rem; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
</style></head>
<body>
<h1>Development inbox</h1>
<p>Mail LocalEx would have sent (no SMTP_URL is set), newest first. Development only; as JSON: <a href="?format=json${to ? `&amp;to=${encodeURIComponent(to)}` : ""}">?format=json</a>.</p>
<form method="get"><label>To <input name="to" type="email" value="${escapeHtml(to ?? "")}"></label> <button>Filter</button> <a href="?">all</a></form>
${messages.length === 0 ? "<p>No mail yet.</p>" : items}
</body>
</html>
`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** A subgraph's routing URL in the supergraph (`@join__graph(name: "identity", url: "…")`). */
export function routingUrl(supergraphSdl: string, name: string): string | undefined {
  return new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(supergraphSdl)?.[1];
}
