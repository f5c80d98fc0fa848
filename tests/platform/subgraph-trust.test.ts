import { SignJWT } from "jose";
import { describe, expect, inject, it } from "vitest";
import { registerUser } from "../harness/client.ts";

const identityUrl = () => inject("subgraphUrls").identity!;

async function askIdentity(headers: Record<string, string>) {
  const res = await fetch(identityUrl(), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: "{ me { id email } }" }),
  });
  const body = (await res.json()) as {
    data?: { me: { id: string; email: string | null } | null } | null;
    errors?: { extensions: { code: string } }[];
  };
  return { status: res.status, body };
}

describe("a subgraph trusts only the gateway's signed caller header", () => {
  it("treats a request without the header as anonymous", async () => {
    const { body } = await askIdentity({});
    expect(body.data?.me).toBeNull();
  });

  it("refuses a plain user id in the header", async () => {
    const user = await registerUser();
    const { status, body } = await askIdentity({ "x-localex-caller": user.id });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a header signed with another key, or a user's own access token", async () => {
    const user = await registerUser();
    const forged = await new SignJWT({ role: "admin", sid: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.id)
      .setIssuer("localex-gateway")
      .setAudience("localex-subgraphs")
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode("not-the-gateway-secret-0123456789abcdef"));
    for (const header of [forged, user.accessToken]) {
      const { status, body } = await askIdentity({ "x-localex-caller": header });
      expect(status).toBe(401);
      expect(body.data?.me ?? null).toBeNull();
    }
  });
});
