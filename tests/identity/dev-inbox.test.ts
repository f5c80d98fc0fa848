// Mail without SMTP: in development identity keeps it and the gateway shows it at GET /dev/mail
// (JSON newest first, `?to=`, and a page). The harness's graph sends over SMTP, so this file
// starts a development identity and a gateway of its own, on a fresh database (its mail jobs must
// not be taken by the harness's identity), routing the other subgraphs to the harness's graph.
// In production there is no such route, and identity refuses to start without SMTP_URL.
import { createECDH, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { setRoleOn } from "../../subgraphs/identity/src/users/roles.ts";
import { GatewayClient, VERIFY_EMAIL } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { testGraphEnvironment, testPieceKeys } from "../harness/secrets.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";

const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id emailVerified } } }`;
type Registered = { register: { accessToken: string; refreshToken: string; user: { id: string; emailVerified: boolean } } };

/** A VAPID key pair of this run's own (P-256, URL-safe base64), as `web-push generate-vapid-keys` makes one. */
const vapid = (() => {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString("base64url"), privateKey: ecdh.getPrivateKey().toString("base64url") };
})();
/** What production requires of `piece` besides mail: non-development secrets, its own caller key, a database. */
function productionEnvironment(piece: "gateway" | "identity", databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...testGraphEnvironment(),
    ...testPieceKeys(piece),
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: "",
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    SMTP_URL: "",
    PUBLIC_APP_URL: "",
    ADMIN_EMAILS: "",
  };
}

const subgraphUrlEnv = (identityUrl: string): NodeJS.ProcessEnv => {
  const urls = inject("subgraphUrls");
  return {
    IDENTITY_URL: identityUrl,
    LISTINGS_URL: urls.listings,
    TRADES_URL: urls.trades,
    LEDGER_URL: urls.ledger,
    MEDIA_URL: urls.media,
    SEARCH_URL: urls.search,
  };
};

let database: FreshDatabase;
let identity: Piece | undefined;
let gateway: Piece | undefined;
let productionGateway: Piece | undefined;
let identityUrl: string;
let gatewayBase: string;
let productionBase: string;

beforeAll(async () => {
  database = await freshDatabase(inject("databaseUrl"), "localex_devmail");
  const [identityPort, gatewayPort, productionPort] = [await freePort(), await freePort(), await freePort()];
  identityUrl = `http://127.0.0.1:${identityPort}/graphql`;
  const development = {
    ...testGraphEnvironment(),
    NODE_ENV: "development",
    DATABASE_URL: database.url,
    REDIS_URL: "",
    SMTP_URL: "",
    PUBLIC_APP_URL: "",
    ADMIN_EMAILS: "",
    HOST: "127.0.0.1",
    DATABASE_POOL_SIZE: "3",
    IDENTITY_PORT: String(identityPort),
    ...subgraphUrlEnv(identityUrl),
  };
  identity = servePiece("identity", development);
  await untilHealthy(`http://127.0.0.1:${identityPort}/health`, identity);
  gateway = servePiece("gateway", { ...development, PORT: String(gatewayPort) });
  productionGateway = servePiece("gateway", {
    ...productionEnvironment("gateway", database.url),
    ...subgraphUrlEnv(identityUrl),
    HOST: "127.0.0.1",
    PORT: String(productionPort),
  });
  await Promise.all([
    untilHealthy(`http://127.0.0.1:${gatewayPort}/health`, gateway),
    untilHealthy(`http://127.0.0.1:${productionPort}/health`, productionGateway),
  ]);
  gatewayBase = `http://127.0.0.1:${gatewayPort}`;
  productionBase = `http://127.0.0.1:${productionPort}`;
}, 180_000);

afterAll(async () => {
  await Promise.all([stopPiece(productionGateway), stopPiece(gateway), stopPiece(identity)]);
  await database?.drop();
}, 60_000);

interface InboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

async function inbox(query = ""): Promise<InboxMail[]> {
  const response = await fetch(`${gatewayBase}/dev/mail${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  return (await response.json()) as InboxMail[];
}

async function untilMail(to: string, count: number): Promise<InboxMail[]> {
  for (let i = 0; i < 200; i++) {
    const mail = await inbox(`?to=${encodeURIComponent(to)}`);
    if (mail.length >= count) return mail;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${count} message(s) to ${to} did not reach the development inbox`);
}

describe("GET /dev/mail on the gateway, in development without SMTP_URL", () => {
  it("shows the verification email as JSON, newest first, filtered by ?to=, and its link verifies", async () => {
    const client = new GatewayClient(`${gatewayBase}/graphql`);
    const ann = `ann-${randomUUID()}@localex.test`;
    const ben = `ben-${randomUUID()}@localex.test`;
    const { register } = await client.data<Registered>(REGISTER, { input: { email: ann, password: "correct horse battery", displayName: "Ann" } });
    await client.data(REGISTER, { input: { email: ben, password: "correct horse battery", displayName: "Ben" } });

    const [annsMail] = await untilMail(ann, 1);
    expect(Object.keys(annsMail!).sort()).toEqual(["from", "html", "sentAt", "subject", "text", "to"]);
    expect(annsMail).toMatchObject({ to: ann, subject: "Confirm your email address" });
    expect(new Date(annsMail!.sentAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(annsMail!.html).toContain("verify-email?token=");
    await untilMail(ben, 1);
    // Filter, case-insensitively; and newest first across recipients.
    expect((await inbox(`?to=${encodeURIComponent(ann.toUpperCase())}`)).map((m) => m.to)).toEqual([ann]);
    const all = (await inbox()).filter((m) => m.to === ann || m.to === ben);
    expect(all.map((m) => m.to)).toEqual([ben, ann]);
    expect(Date.parse(all[0]!.sentAt)).toBeGreaterThanOrEqual(Date.parse(all[1]!.sentAt));

    const link = new URL(/https?:\/\/\S+verify-email\?token=\S+/.exec(annsMail!.text)![0]);
    expect(link.origin).toBe("http://localhost:3000");
    const { verifyEmail } = await client.data(VERIFY_EMAIL, { token: link.searchParams.get("token") });
    expect(verifyEmail).toEqual({ user: { id: register.user.id, emailVerified: true }, errors: [] });
  });

  it("shows a page to read the mail in a browser", async () => {
    const to = `page-${randomUUID()}@localex.test`;
    await new GatewayClient(`${gatewayBase}/graphql`).data(REGISTER, { input: { email: to, password: "correct horse battery", displayName: "<Page>" } });
    await untilMail(to, 1);
    const response = await fetch(`${gatewayBase}/dev/mail?to=${encodeURIComponent(to)}`, { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toContain("Development inbox");
    expect(page).toContain("Confirm your email address");
    expect(page).toContain(`to ${to}`);
    // The member's name is the mail's text, escaped on the page, the mail's HTML sandboxed.
    expect(page).toContain("Hi &lt;Page&gt;,");
    expect(page).not.toContain("<Page>");
    expect(page).toContain('<iframe sandbox=""');
    expect((await fetch(`${gatewayBase}/dev/mail?format=html`)).headers.get("content-type")).toMatch(/text\/html/);
  });

  it("on this fresh database with one admin, that admin cannot revoke themselves into zero admins", async () => {
    const client = new GatewayClient(`${gatewayBase}/graphql`);
    const email = `only-admin-${randomUUID()}@localex.test`;
    const input = { email, password: "correct horse battery", displayName: "Only" };
    const { register } = await client.data<Registered>(REGISTER, { input });
    const granted = await setRoleOn(database.url, { email }, "admin");
    expect(granted).toMatchObject({ ok: true, value: { changed: true } });
    const { login } = await client.data<{ login: { accessToken: string } }>(`mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`, {
      input: { email, password: input.password },
    });
    const admin = client.withToken(login.accessToken);
    const { revokeAdmin } = await admin.data(`mutation ($id: ID!) { revokeAdmin(userId: $id) { user { id } errors { code message field } } }`, {
      id: register.user.id,
    });
    expect(revokeAdmin).toEqual({
      user: null,
      errors: [{ code: "LAST_ADMIN", message: `${email} is the only admin; grant the role to someone else first.`, field: "userId" }],
    });
    const { me } = await admin.data<{ me: { role: string } }>(`{ me { role } }`);
    expect(me.role).toBe("ADMIN");
  });
});

describe("in production", () => {
  it("the gateway has no /dev/mail, even in front of an identity that keeps development mail", async () => {
    expect((await fetch(`${gatewayBase}/dev/mail`)).status).toBe(200);
    const response = await fetch(`${productionBase}/dev/mail`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("verify-email");
  });

  it("identity refuses to start without SMTP_URL (and PUBLIC_APP_URL), naming them", async () => {
    const refused = servePiece("identity", {
      ...productionEnvironment("identity", database.url),
      // Its peers' addresses, which production also requires: only the mail settings are missing.
      ...subgraphUrlEnv(inject("subgraphUrls").identity!),
      HOST: "127.0.0.1",
      IDENTITY_PORT: String(await freePort()),
    });
    const timer = setTimeout(() => refused.child.kill("SIGKILL"), 60_000);
    const code = await refused.exited;
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(refused.output()).toMatch(/SMTP_URL: is required in production/);
    expect(refused.output()).toMatch(/PUBLIC_APP_URL: is required in production/);
  }, 90_000);
});
