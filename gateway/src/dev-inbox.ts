import type { FastifyInstance } from "fastify";
import { request } from "undici";

/**
 * `GET /dev/mail` (development only): the mail identity would have sent, newest first, `?to=`
 * filtering by recipient, as Mailpit shows it for other stacks. Identity keeps it when no
 * SMTP_URL is set; the gateway only relays, so front-end developers need one address.
 */
export function serveDevelopmentInbox(app: FastifyInstance, identityUrl: string | undefined): void {
  if (!identityUrl) return;
  const inbox = new URL("/dev/mail", identityUrl);
  app.get<{ Querystring: { to?: string } }>("/dev/mail", async (req, reply) => {
    const url = new URL(inbox);
    if (typeof req.query.to === "string") url.searchParams.set("to", req.query.to);
    const answer = await request(url, { method: "GET", headersTimeout: 5000, bodyTimeout: 5000 });
    if (answer.statusCode === 404) {
      await answer.body.dump();
      return reply.code(404).send({ errors: [{ message: "Mail goes to SMTP_URL here; there is no development inbox.", extensions: { code: "NOT_FOUND" } }] });
    }
    return reply.code(answer.statusCode).type("application/json").send(await answer.body.json());
  });
}

/** A subgraph's routing URL in the supergraph (`@join__graph(name: "identity", url: "…")`). */
export function routingUrl(supergraphSdl: string, name: string): string | undefined {
  return new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(supergraphSdl)?.[1];
}
