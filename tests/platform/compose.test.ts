// docker-compose.yml, proven without Docker: every application service runs as its own process
// (`pnpm serve <command>`) with exactly the environment the file gives its container, host names
// mapped to loopback by the few rules in tests/harness/compose.ts (COMPOSE_RULES). A member's
// journey then goes through that gateway: register, list, search, trade to completion. Each
// service is given only the secrets its piece uses, and starts (in production) with only those.
import { spawnSync } from "node:child_process";
import { createECDH, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateCallerKeys, publicKeysText, signingKeyText } from "@localex/common";
import { journey, type JourneyResult } from "../../packages/client/examples/journey.ts";
import { peersOf } from "../../packages/stack/src/peers.ts";
import { GatewayClient, linkTokenIn, REGISTER, VERIFY_EMAIL } from "../harness/client.ts";
import { interpolate, localEnvironment, localHealthcheck, readComposeFile, type ComposeService, type LocalPlan } from "../harness/compose.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { mailIn, startMailServer, type MailServer } from "../harness/mail-server.ts";
import { servePiece, stopPiece, type Piece } from "../harness/pieces.ts";
import { TEST_JWT_SECRET, TEST_MEDIA_SIGNING_SECRET } from "../harness/secrets.ts";
import { runAlone } from "../harness/alone.ts";
import { findClamd, startClamd } from "../harness/clamd.ts";
import { hasRedisServer, startRedisServer, startS3rver, type StandIn } from "../harness/stand-ins.ts";

const compose = await readComposeFile();
const applications = compose.services.filter((s) => s.application);
const subgraphs = applications.filter((s) => s.command[0] !== "gateway");
const gateway = applications.find((s) => s.command[0] === "gateway")!;
const mediaService = applications.find((s) => s.command[0] === "media")!;
const clamd = await findClamd();
const standInsSaid = `OpenSearch cannot run here: search on PostgreSQL; ${clamd ? "ClamAV: a local clamd" : "ClamAV: no clamd here, scanning off"}; MinIO: s3rver`;

let plan: LocalPlan;
const running = new Map<string, Piece>();
const standIns: StandIn[] = [];
let database: FreshDatabase | undefined;
let mail: MailServer | undefined;
let mailDir = "";

/** The values a deployment's .env would hold for the file's required variables (and a few it should not need). */
function dotenvFor(smtpUrl: string): Record<string, string> {
  // A VAPID key pair is a P-256 key pair, base64url (what `npx web-push generate-vapid-keys` prints).
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const vapid = { publicKey: ecdh.getPublicKey("base64url"), privateKey: ecdh.getPrivateKey("base64url") };
  // A set of caller keys, as `pnpm caller-keys` prints it.
  const callerKeys = generateCallerKeys();
  return {
    POSTGRES_PASSWORD: randomUUID(),
    MINIO_ROOT_PASSWORD: randomUUID(),
    JWT_SECRET: TEST_JWT_SECRET,
    MEDIA_SIGNING_SECRET: TEST_MEDIA_SIGNING_SECRET,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: "mailto:operators@localex.test",
    SMTP_URL: smtpUrl,
    PUBLIC_APP_URL: "https://app.localex.test",
    ...Object.fromEntries([...callerKeys].map(([signer, key]) => [`${signer.toUpperCase()}_CALLER_KEY`, signingKeyText(key)])),
    CALLER_PUBLIC_KEYS: publicKeysText(callerKeys),
  };
}

/**
 * The secrets of a deployment's .env, and the only application services that may hold each (in
 * any of their variables). MEDIA_SIGNING_SECRET is the disk driver's; on S3 media needs none.
 * The operator's key is for operators' tools, never a server.
 */
const SECRET_HOLDERS: Record<string, string[]> = {
  POSTGRES_PASSWORD: ["identity", "listings", "trades", "ledger", "media", "search"],
  MINIO_ROOT_PASSWORD: ["media"],
  JWT_SECRET: ["identity", "gateway"],
  VAPID_PRIVATE_KEY: ["identity"],
  SMTP_URL: ["identity"],
  MEDIA_SIGNING_SECRET: [],
  GATEWAY_CALLER_KEY: ["gateway"],
  IDENTITY_CALLER_KEY: ["identity"],
  LISTINGS_CALLER_KEY: ["listings"],
  TRADES_CALLER_KEY: ["trades"],
  LEDGER_CALLER_KEY: ["ledger"],
  MEDIA_CALLER_KEY: ["media"],
  SEARCH_CALLER_KEY: ["search"],
  OPERATOR_CALLER_KEY: [],
};

/** Which of SECRET_HOLDERS' secrets reach `service`'s container, given the .env values. */
function secretsOf(service: ComposeService, dotenv: Record<string, string>): string[] {
  const values = Object.values(service.environment).map((v) => interpolate(v, dotenv));
  return Object.keys(SECRET_HOLDERS).filter((secret) => values.some((v) => v.includes(dotenv[secret]!)));
}

/** Runs the service's own health check (as Compose would for `condition: service_healthy`) until it passes. */
async function untilServiceHealthy(service: ComposeService): Promise<void> {
  const command = localHealthcheck(compose, service, plan);
  if (!command) throw new Error(`${service.name} has no health check`);
  const piece = running.get(service.name)!;
  for (let i = 0; i < 900; i++) {
    if (piece.child.exitCode !== null) throw new Error(`${service.name} exited with ${piece.child.exitCode}:\n${piece.output()}`);
    if (spawnSync(command[0]!, command.slice(1), { timeout: 5_000 }).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} never passed its health check:\n${piece.output()}`);
}

const serve = (service: ComposeService, env: Record<string, string>) => running.set(service.name, servePiece(service.command[0]!, env));

const gatewayUrl = () => `http://127.0.0.1:${plan.ports[gateway.name]}/graphql`;

/** The newest link to `path` (verify-email, reset-password) mailed to an address. */
const mailedLinkToken =
  (path: string) =>
  async (email: string): Promise<string> => {
    for (let i = 0; i < 400; i++) {
      for (const { raw } of (await mailIn(mailDir, email)).reverse()) {
        const token = linkTokenIn(raw, path);
        if (token) return token;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${path} mail reached ${email}`);
  };
const mailedToken = mailedLinkToken("verify-email");

/** A verified member with welcome credits, who proposes 1-credit trades to `recipientId` until the subscription shows one. */
async function untilListening(
  recipientId: string,
  live: { until(match: (r: { data?: unknown }) => boolean, what: string, timeoutMs: number): Promise<unknown> },
) {
  const anonymous = new GatewayClient(gatewayUrl());
  const email = `prober-${randomUUID()}@example.org`;
  const { register } = await anonymous.data<{ register: { accessToken: string } }>(REGISTER, {
    input: { email, password: "correct horse battery staple", displayName: "Prober" },
  });
  await anonymous.data(VERIFY_EMAIL, { token: await mailedToken(email) });
  const prober = new GatewayClient(gatewayUrl(), register.accessToken);
  for (let i = 0; i < 200; i++) {
    const { me } = await prober.data<{ me: { account: { balance: number } | null } }>(`{ me { account { balance } } }`);
    if ((me.account?.balance ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const probes = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const { proposeTrade } = await prober.data<{ proposeTrade: { trade: { id: string } | null; errors: { code: string }[] } }>(
      `mutation ($input: ProposeTradeInput!, $key: String!) { proposeTrade(input: $input, idempotencyKey: $key) { trade { id } errors { code } } }`,
      { input: { recipientId, offeredCredits: 1, message: "subscription probe" }, key: randomUUID() },
    );
    if (!proposeTrade.trade) throw new Error(`probe refused: ${JSON.stringify(proposeTrade.errors)}`);
    probes.add(proposeTrade.trade.id);
    const delivered = (r: { data?: unknown }) => probes.has((r.data as { tradeUpdated?: { id?: string } } | undefined)?.tradeUpdated?.id ?? "");
    try {
      return await live.until(delivered, "a probe trade", 1000);
    } catch {
      // not listening yet
    }
  }
  throw new Error("the subscription never delivered a probe trade");
}

// What the file says, read as it is: needs nothing running, so it is checked on every machine,
// redis-server or not.
describe("docker-compose.yml as written", () => {
  it("gives the gateway and every subgraph the URL of every other subgraph by its service name, and no service a loopback or 0.0.0.0 one", () => {
    for (const service of applications) {
      for (const peer of peersOf(service.command[0] as Parameters<typeof peersOf>[0])) {
        const serving = subgraphs.find((s) => s.command[0] === peer)!;
        expect(service.environment[`${peer.toUpperCase()}_URL`], `${service.name} → ${peer}`).toMatch(new RegExp(`^http://${serving.name}:\\d+/graphql$`));
      }
    }
    const everyUrl = applications.flatMap((s) => Object.values(s.environment));
    expect(everyUrl.filter((v) => /\/\/(0\.0\.0\.0|127\.0\.0\.1|localhost):\d+\/graphql/.test(v))).toEqual([]);
  });

  it("gives each service only the secrets its piece uses: media no JWT_SECRET and no gateway key, only the gateway the gateway's key", () => {
    const dotenv = dotenvFor("smtp://mailer:mail-password-0123@smtp.localex.test:587");
    const held = Object.fromEntries(applications.map((s) => [s.name, secretsOf(s, dotenv)]));
    const expected = Object.fromEntries(
      applications.map((s) => [s.name, Object.keys(SECRET_HOLDERS).filter((secret) => SECRET_HOLDERS[secret]!.includes(s.name))]),
    );
    expect(held).toEqual(expected);
    expect(held.media).not.toContain("JWT_SECRET");
    expect(held.media).not.toContain("GATEWAY_CALLER_KEY");
    expect(applications.filter((s) => held[s.name]!.includes("GATEWAY_CALLER_KEY")).map((s) => s.name)).toEqual(["gateway"]);
    // The development-only seed (it derives every key) and the old shared secret are set nowhere.
    for (const service of applications) expect(Object.keys(service.environment), service.name).not.toEqual(expect.arrayContaining(["CALLER_KEY_SEED"]));
    for (const service of applications) expect(Object.keys(service.environment), service.name).not.toEqual(expect.arrayContaining(["GATEWAY_SECRET"]));
    // Positive control of the check itself: a secret given where it is not expected is seen.
    const leaky = { ...mediaService, environment: { ...mediaService.environment, JWT_SECRET: "${JWT_SECRET}" } };
    expect(secretsOf(leaky, dotenv)).toContain("JWT_SECRET");
  });

  it("checks every application service's readiness (/readyz) and starts the gateway only once every subgraph is healthy", () => {
    for (const service of applications) expect(service.healthcheck?.test.join(" "), service.name).toContain(`/readyz`);
    for (const service of subgraphs) expect(gateway.dependsOn[service.name]?.condition).toBe("service_healthy");
  });
});

describe.skipIf(!hasRedisServer)(
  `docker-compose.yml, each application service in its own process with its own environment (${standInsSaid})${hasRedisServer ? "" : " (SKIPPED: no redis-server on this machine)"}`,
  () => {
    runAlone();
    // The graph as the file runs it: for these tests only (the file's own checks need none of it).
    beforeAll(async () => {
      mailDir = await mkdtemp(join(tmpdir(), "localex-compose-mail-"));
      mail = await startMailServer(mailDir);
      const dotenv = dotenvFor(mail.url);
      database = await freshDatabase(inject("databaseUrl"), "localex_compose");
      const media = applications.find((s) => s.environment.S3_BUCKET)!;
      const [redis, s3] = await Promise.all([
        startRedisServer(),
        startS3rver({ bucket: media.environment.S3_BUCKET!, accessKeyId: media.environment.S3_ACCESS_KEY_ID!, secretAccessKey: dotenv.MINIO_ROOT_PASSWORD! }),
      ]);
      standIns.push(redis, s3);
      const scanner = clamd ? await startClamd() : null;
      if (scanner) standIns.push({ url: scanner.tcpUrl, stop: () => scanner.stop() });
      plan = {
        ports: Object.fromEntries(await Promise.all(applications.map(async (s) => [s.name, await freePort()] as const))),
        standIns: { postgres: database.url, redis: redis.url, minio: s3.url, ...(scanner ? { clamav: scanner.tcpUrl } : {}) },
        dotenv,
      };
      // As Compose orders them: every subgraph once the infrastructure is up, the gateway once they are healthy.
      for (const service of subgraphs) serve(service, localEnvironment(compose, service, plan));
      await Promise.all(subgraphs.map(untilServiceHealthy));
      serve(gateway, localEnvironment(compose, gateway, plan));
      await untilServiceHealthy(gateway);
    }, 240_000);

    afterAll(async () => {
      await Promise.all([...running.values()].map(stopPiece));
      await Promise.all(standIns.map((s) => s.stop()));
      await database?.drop();
      await mail?.close();
      if (mailDir) await rm(mailDir, { recursive: true, force: true });
    }, 60_000);

    it("walks a member's journey through the gateway: register, list, search, propose, accept, confirm", async () => {
      const result: JourneyResult = await journey({
        gatewayUrl: gatewayUrl(),
        verificationToken: mailedToken,
        resetToken: mailedLinkToken("reset-password"),
        untilListening: (ann, live) => untilListening(ann.id, live),
      });
      expect(result.found.edges.map((e) => e.node.id)).toContain(result.listingId);
      expect(result.completed).toMatchObject({ status: "COMPLETED", escrow: { status: "SETTLED" } });
      expect(result.completed.requestedListings).toEqual([expect.objectContaining({ id: result.listingId, status: "TRADED" })]);
      expect(result.balances.ben.account!.balance).toBeLessThan(result.balances.ann.account!.balance);
    }, 120_000);

    it("refuses, in production, to serve a piece without a peer URL it needs, naming the variable", async () => {
      const trades = subgraphs.find((s) => s.command[0] === "trades")!;
      const withoutLedger = localEnvironment(compose, trades, plan);
      delete withoutLedger.LEDGER_URL;
      const withoutSearch = localEnvironment(compose, gateway, plan);
      delete withoutSearch.SEARCH_URL;
      const pieces = [servePiece("trades", withoutLedger), servePiece("gateway", withoutSearch)];
      const codes = await Promise.all(pieces.map((p) => p.exited));
      expect(codes).toEqual([1, 1]);
      expect(pieces[0]!.output()).toMatch(/LEDGER_URL: is required in production/);
      expect(pieces[1]!.output()).toMatch(/SEARCH_URL: is required in production/);
    }, 60_000);
  },
);
