// A signed-out (or deleted) member's access token is refused at once by every gateway, a gateway
// started after the sign-out included: identity keeps ended sessions in Redis for an access
// token's lifetime. Needs the graph's Redis (with one process there is nothing to share).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, type TestUser } from "../harness/client.ts";
import { freePort } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { testGraphEnvironment } from "../harness/secrets.ts";

const redis = inject("redis");
const ME = `{ me { id } }`;

describe.skipIf(!redis.url)(`ended sessions${redis.url ? "" : " (SKIPPED: no REDIS_URL, so no second gateway can share the graph's events)"}`, () => {
  let later: Piece | undefined;
  let member: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    [member, other] = await Promise.all([registerUser(), registerUser()]);
    const { logout } = await member.client.data<{ logout: boolean }>(`mutation { logout }`);
    expect(logout).toBe(true);
    // The shared gateway saw the event: the token is refused there at once.
    expect((await member.client.request(ME)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // A gateway that starts only now, on the same Redis and subgraphs.
    const port = await freePort();
    later = servePiece("gateway", {
      ...testGraphEnvironment(),
      HOST: "127.0.0.1",
      PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      ...Object.fromEntries(Object.entries(inject("subgraphUrls")).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
    });
    await untilHealthy(`http://127.0.0.1:${port}/healthz`, later);
    member = { ...member, client: new GatewayClient(`http://127.0.0.1:${port}/graphql`, member.accessToken) };
    other = { ...other, client: new GatewayClient(`http://127.0.0.1:${port}/graphql`, other.accessToken) };
  }, 120_000);
  afterAll(() => stopPiece(later));

  it("refuses the ended session's still-unexpired token on a gateway started after the sign-out", async () => {
    const refused = await member.client.request(ME);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(refused.errors?.[0]?.message).toMatch(/session has ended/);
  });

  it("still answers a member whose session did not end", async () => {
    expect(await other.client.data<{ me: { id: string } }>(ME)).toEqual({ me: { id: other.id } });
  });
});
