import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** One dependency a process needs to serve: true when reachable now, or a reason it is not. */
export type ReadinessCheck = () => Promise<true | string>;

/** How long one check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * `GET /healthz`: the process is alive (200 while it runs). `GET /readyz`: it can serve, every
 * dependency reachable: 200 with each check's result, or 503 naming what is down, for a load
 * balancer or orchestrator to route around it. `/health` stays as an alias of `/healthz`.
 * With `detailFor` (the public gateway in production), which dependency failed and why (internal
 * names, addresses, driver errors) is told only to whom it allows; others get the status alone.
 */
export function serveHealth(
  app: FastifyInstance,
  name: string,
  checks: Record<string, ReadinessCheck>,
  detailFor: (request: FastifyRequest) => boolean = () => true,
): void {
  const alive = async () => ({ status: "ok", name });
  app.get("/healthz", alive);
  app.get("/health", alive);
  app.get("/readyz", async (request, reply) => {
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(checks).map(async ([dependency, check]) => {
          const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS).unref());
          const result = await Promise.race([check().catch((e: unknown) => (e instanceof Error ? e.message : String(e))), timeout]);
          return [dependency, result === true ? "ok" : result] as const;
        }),
      ),
    );
    const ready = Object.values(results).every((r) => r === "ok");
    const status = ready ? "ready" : "unavailable";
    return reply.code(ready ? 200 : 503).send(detailFor(request) ? { status, name, checks: results } : { status });
  });
}

/** For serveHealth's `detailFor`: the request carries `Authorization: Bearer <token>`. */
export function bearerIs(token: string | undefined): (request: FastifyRequest) => boolean {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return (request) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    return !!expected && given.length === expected.length && timingSafeEqual(given, expected);
  };
}
