import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEV_JWT_SECRET,
  generateCallerKeys,
  loadConfig,
  publicKeysText,
  PUBLIC_PUSH_SERVICE_HOSTS,
  signingKeyText,
  unusedSecrets,
} from "@localex/common";
import { configProblems, peerUrls } from "./config-fixtures.ts";

const keys = generateCallerKeys();
/** A piece's production caller-key settings: its own private key and every public key. */
const callerKeysOf = (piece: "gateway" | "media" | "ledger" | "identity") => ({
  CALLER_SIGNING_KEY: signingKeyText(keys.get(piece)!),
  CALLER_PUBLIC_KEYS: publicKeysText(keys),
});
const problemsOf = configProblems;

describe("configuration", () => {
  it("runs on development defaults with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      server: { port: 4000 },
      subgraphs: { ports: { identity: 4001 } },
      app: { dataDir: ".data" },
      auth: { jwtSecret: DEV_JWT_SECRET },
    });
  });

  it("refuses development secrets and the embedded database in production, listing every problem", () => {
    try {
      loadConfig({ NODE_ENV: "production" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toMatch(/JWT_SECRET: the development default is refused in production/);
      expect(message).toMatch(/VAPID_PRIVATE_KEY: the development key pair is refused/);
      expect(message).toMatch(/MEDIA_SIGNING_SECRET: the development default is refused/);
      expect(message).toMatch(/DATABASE_URL: is required in production/);
    }
  });

  it("requires, in production, only the secrets the piece being started uses", () => {
    const production = { NODE_ENV: "production", DATABASE_URL: "postgres://localex:pw@db:5432/localex", ...peerUrls };
    // Media (on S3) needs no JWT_SECRET, no VAPID key and no MEDIA_SIGNING_SECRET; ledger neither.
    expect(problemsOf({ ...production, ...callerKeysOf("media"), STORAGE_DRIVER: "s3", S3_BUCKET: "localex-media" }, "media")).toEqual([]);
    expect(problemsOf({ ...production, ...callerKeysOf("ledger") }, "ledger")).toEqual([]);
    // The gateway needs no database, but its JWT_SECRET and its own key.
    expect(problemsOf({ NODE_ENV: "production", ...peerUrls, ...callerKeysOf("gateway") }, "gateway")).toEqual([
      expect.stringMatching(/^JWT_SECRET: the development default is refused/),
    ]);
    expect(problemsOf({ NODE_ENV: "production", ...peerUrls, JWT_SECRET: "a-production-secret-0123456789abcdef" }, "gateway")).toEqual([
      expect.stringMatching(/^CALLER_SIGNING_KEY: is required in production/),
    ]);
    // Identity: JWT_SECRET and VAPID too; media on disk: its signing secret.
    const mail = { SMTP_URL: "smtp://mail:25", PUBLIC_APP_URL: "https://localex.example" };
    expect(problemsOf({ ...production, ...mail, ...callerKeysOf("identity") }, "identity")).toEqual([
      expect.stringMatching(/^JWT_SECRET:/),
      expect.stringMatching(/^VAPID_PRIVATE_KEY:/),
    ]);
    expect(problemsOf({ ...production, ...callerKeysOf("media") }, "media")).toEqual([expect.stringMatching(/^MEDIA_SIGNING_SECRET:/)]);
    // A subgraph needs the gateway's public key; an operator's tool on the database, no key at all.
    expect(problemsOf({ ...production, CALLER_SIGNING_KEY: callerKeysOf("ledger").CALLER_SIGNING_KEY }, "ledger")).toEqual([
      expect.stringMatching(/^CALLER_PUBLIC_KEYS: is required in production/),
    ]);
    expect(problemsOf({ ...production, ...callerKeysOf("ledger"), CALLER_PUBLIC_KEYS: publicKeysText([["trades", keys.get("trades")!]]) }, "ledger")).toEqual([
      expect.stringMatching(/^CALLER_PUBLIC_KEYS: must name the gateway's key/),
    ]);
    expect(problemsOf(production, "operator")).toEqual([]);
  });

  it("refuses the key seed in production, a piece's key that is another's, and one key for the whole graph", () => {
    const production = { NODE_ENV: "production", DATABASE_URL: "postgres://localex:pw@db:5432/localex", ...peerUrls };
    expect(problemsOf({ ...production, ...callerKeysOf("ledger"), CALLER_KEY_SEED: "a-seed-of-our-own-for-production-0123456789" }, "ledger")).toEqual([
      expect.stringMatching(/^CALLER_KEY_SEED: is for development and tests only/),
    ]);
    expect(problemsOf({ ...production, ...callerKeysOf("media") }, "ledger")).toEqual([
      expect.stringMatching(/^CALLER_SIGNING_KEY: is not the private half of ledger's key/),
    ]);
    expect(problemsOf({ CALLER_SIGNING_KEY: callerKeysOf("media").CALLER_SIGNING_KEY }, "graph")).toEqual([
      expect.stringMatching(/^CALLER_SIGNING_KEY: is one piece's own key/),
    ]);
    // Development: the seed is the default, any piece starts with nothing but its database set.
    expect(problemsOf({ DATABASE_URL: "postgres://db/localex" }, "media")).toEqual([]);
    expect(problemsOf({ CALLER_KEY_SEED: "a-seed-of-our-own-for-development-0123456789" }, "gateway")).toEqual([]);
  });

  it("never echoes a caller key, and says which secrets a piece was given for nothing", () => {
    const bad = "not-a-key-but-a-secret-value";
    const problems = problemsOf({ DATABASE_URL: "postgres://db/localex", CALLER_SIGNING_KEY: bad, CALLER_PUBLIC_KEYS: `gateway=${bad}` }, "media");
    expect(problems).toEqual([
      expect.stringMatching(/^CALLER_SIGNING_KEY: must be an Ed25519 private key/),
      expect.stringMatching(/^CALLER_PUBLIC_KEYS: gateway: must be an Ed25519 public key/),
    ]);
    expect(problems.join("\n")).not.toContain(bad);
    expect(unusedSecrets({ JWT_SECRET: "x", CALLER_SIGNING_KEY: "y", S3_SECRET_ACCESS_KEY: "z" }, "media")).toEqual(["JWT_SECRET"]);
    expect(unusedSecrets({ JWT_SECRET: "x", DATABASE_URL: "postgres://db/x" }, "gateway")).toEqual(["DATABASE_URL"]);
    expect(unusedSecrets({ JWT_SECRET: "x", DATABASE_URL: "postgres://db/x" }, "graph")).toEqual([]);
  });

  it("names the variable and the bad value", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT: .*"eighty"/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow(/JWT_SECRET: must be at least 32 characters/);
  });

  it("never echoes a secret's value", () => {
    expect(() => loadConfig({ JWT_SECRET: "short-secret" })).toThrow(expect.not.objectContaining({ message: expect.stringContaining("short-secret") }));
  });

  it("accepts the development secrets only in development and test: any other NODE_ENV refuses to start, naming it", () => {
    expect(loadConfig({ NODE_ENV: "test" }).auth.jwtSecret).toBe(DEV_JWT_SECRET);
    for (const env of ["staging", "prod", "Production"]) {
      expect(() => loadConfig({ NODE_ENV: env })).toThrow(/NODE_ENV/);
    }
  });

  it("pushes to the public push services by default, and refuses loopback push endpoints in production", () => {
    expect(loadConfig({}).push.endpointHosts).toEqual([...PUBLIC_PUSH_SERVICE_HOSTS]);
    expect(loadConfig({}).push.allowLoopback).toBe(false);
    expect(loadConfig({ PUSH_ENDPOINT_HOSTS: " Push.Example.org, *.push.example.org " }).push.endpointHosts).toEqual([
      "push.example.org",
      "*.push.example.org",
    ]);
    for (const hosts of ["*", "https://push.example.org", "*.", "push.example.org/path"]) {
      expect(() => loadConfig({ PUSH_ENDPOINT_HOSTS: hosts }), hosts).toThrow(/PUSH_ENDPOINT_HOSTS/);
    }
    expect(loadConfig({ NODE_ENV: "test", PUSH_ALLOW_LOOPBACK: "true" }).push.allowLoopback).toBe(true);
    expect(() => loadConfig({ NODE_ENV: "production", PUSH_ALLOW_LOOPBACK: "true" })).toThrow(/PUSH_ALLOW_LOOPBACK: .*refused in production/);
  });

  it("reads each rate limit from RATE_LIMIT_<NAME> as <count>/<seconds>, and refuses anything else", () => {
    expect(loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: "7/60" }).rateLimits.LOGIN_PER_ADDRESS).toBe("7/60");
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: "lots" })).toThrow(/RATE_LIMIT_LOGIN_PER_ADDRESS: must be <count>\/<seconds>/);
  });

  it("refuses an upload pace whose window outlasts the whole upload, and, in production, a floor of a few bytes a second", () => {
    expect(loadConfig({ UPLOAD_MIN_BYTES_PER_SECOND: "16", UPLOAD_RATE_WINDOW_SECONDS: "3" }).uploads.pace).toMatchObject({
      minBytesPerSecond: 16,
      windowSeconds: 3,
    });
    expect(() => loadConfig({ UPLOAD_RATE_WINDOW_SECONDS: "60", UPLOAD_MAX_SECONDS: "30" })).toThrow(
      /UPLOAD_RATE_WINDOW_SECONDS: must not be longer than UPLOAD_MAX_SECONDS/,
    );
    expect(() => loadConfig({ NODE_ENV: "production", UPLOAD_MIN_BYTES_PER_SECOND: "16" })).toThrow(
      /UPLOAD_MIN_BYTES_PER_SECOND: must be at least 1024 in production/,
    );
  });

  it("refuses TRUST_PROXY=true in production, naming the variable; a hop count or the proxies' addresses are accepted", () => {
    const production = {
      NODE_ENV: "production",
      JWT_SECRET: "j".repeat(40),
      MEDIA_SIGNING_SECRET: "m".repeat(40),
      VAPID_PRIVATE_KEY: "v".repeat(43),
      DATABASE_URL: "postgres://db/localex",
      SMTP_URL: "smtp://mail:25",
      PUBLIC_APP_URL: "https://localex.example",
    };
    for (const believeAnyone of ["true", " TRUE "]) {
      expect(() => loadConfig({ ...production, TRUST_PROXY: believeAnyone })).toThrow(/TRUST_PROXY: .*refused in production.*hop count/);
    }
    for (const trusted of ["false", "1", "2", "loopback, 10.0.0.0/8", "192.0.2.10", "fd00::/8,uniquelocal"]) {
      expect(loadConfig({ ...production, TRUST_PROXY: trusted }).server.trustProxy, trusted).toBe(trusted);
    }
    // Outside production `true` still works (a developer's own proxy).
    expect(loadConfig({ TRUST_PROXY: "true" }).server.trustProxy).toBe("true");
  });

  it("refuses a TRUST_PROXY that is neither a hop count nor addresses, anywhere", () => {
    for (const nonsense of ["yes", "10.0.0.0/99", "-1", "proxy.example.org"]) {
      expect(() => loadConfig({ TRUST_PROXY: nonsense }), nonsense).toThrow(/TRUST_PROXY/);
    }
  });
});
