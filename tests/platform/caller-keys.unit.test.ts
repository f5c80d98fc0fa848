// Caller tokens are signed with each service's own Ed25519 key and verified with its public key:
// a subgraph holds only public keys, and a service's key signs only as that service.
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  CallerKeyring,
  callerKeysFor,
  derivedSigningKey,
  generateCallerKeys,
  parsePublicKey,
  parsePublicKeys,
  parseSigningKey,
  publicKeysText,
  publicKeyText,
  serviceCaller,
  signCallerToken,
  signingKeyText,
  verifyCallerToken,
  type Caller,
  type ServiceName,
} from "@localex/common";

const admin: Caller = { userId: "admin-1", role: "admin", sessionId: "s1" };
const every = generateCallerKeys();
const settingsOf = (piece: ServiceName) => ({
  env: "production" as const,
  signingKey: signingKeyText(every.get(piece)!),
  publicKeys: publicKeysText([...every].filter(([signer]) => signer !== "operator")),
});
/** What each process holds in production: its own private key, and the public keys. */
const ledger = callerKeysFor(settingsOf("ledger"), "ledger");
const media = callerKeysFor(settingsOf("media"), "media");
const gateway = callerKeysFor(settingsOf("gateway"), "gateway");

/** A token with the claims the gateway would sign, signed with any private key. */
const claiming = (issuer: string, key = every.get("media")!, audience = "localex:ledger") =>
  new SignJWT({ role: "admin", sid: "s1", addr: "203.0.113.9" })
    .setProtectedHeader({ alg: "EdDSA" })
    .setSubject(admin.userId)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(key);

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: { extensions?: { code?: string } }) => e.extensions?.code ?? "thrown",
  );

describe("caller tokens", () => {
  it("refuses a token signed with media's key that claims to be the gateway, and accepts the gateway's own", async () => {
    expect(await refusal(verifyCallerToken(ledger, await claiming("localex:gateway"), "ledger"))).toBe("UNAUTHENTICATED");
    const genuine = await signCallerToken(gateway, admin, { signer: "gateway", audience: "ledger", clientAddress: "203.0.113.9" });
    expect(await verifyCallerToken(ledger, genuine, "ledger")).toEqual({ caller: admin, signer: "gateway", clientAddress: "203.0.113.9" });
  });

  it("a process holds only its own private key: media cannot sign as the gateway or as trades", async () => {
    expect(() => media.signingKey("gateway")).toThrow(/no caller key to sign as gateway/);
    await expect(signCallerToken(media, admin, { signer: "gateway", audience: "ledger" })).rejects.toThrow(/CALLER_SIGNING_KEY/);
    expect(await refusal(verifyCallerToken(ledger, await claiming("localex:trades"), "ledger"))).toBe("UNAUTHENTICATED");
    // Positive control: media signing as itself is verified, as a service and with no client address.
    const own = await signCallerToken(media, serviceCaller("media"), { signer: "media", audience: "ledger", clientAddress: "203.0.113.9" });
    expect(await verifyCallerToken(ledger, own, "ledger")).toEqual({ caller: serviceCaller("media"), signer: "media", clientAddress: null });
  });

  it("refuses a token from an unknown signer, or from a signer whose public key this subgraph was not given", async () => {
    const mallory = generateKeyPairSync("ed25519").privateKey;
    expect(await refusal(verifyCallerToken(ledger, await claiming("localex:mallory", mallory), "ledger"))).toBe("UNAUTHENTICATED");
    expect(await refusal(verifyCallerToken(ledger, await claiming("localex:gateway", mallory), "ledger"))).toBe("UNAUTHENTICATED");
    // The operator's public key is not in this ledger's CALLER_PUBLIC_KEYS: even its genuine token is refused.
    const operator = new CallerKeyring(new Map([["operator", every.get("operator")!]]), new Map());
    const operatorToken = await signCallerToken(operator, serviceCaller("operator"), { signer: "operator", audience: "ledger" });
    expect(await refusal(verifyCallerToken(ledger, operatorToken, "ledger"))).toBe("UNAUTHENTICATED");
    // Positive control: the same token, where the operator's key is known.
    const withOperator = callerKeysFor({ ...settingsOf("ledger"), publicKeys: publicKeysText(every) }, "ledger");
    expect((await verifyCallerToken(withOperator, operatorToken, "ledger")).signer).toBe("operator");
  });

  it("refuses a token for another subgraph, and one whose signature was changed", async () => {
    const genuine = await signCallerToken(gateway, admin, { signer: "gateway", audience: "trades" });
    expect(await refusal(verifyCallerToken(ledger, genuine, "ledger"))).toBe("UNAUTHENTICATED");
    const [head, body, signature] = genuine.split(".");
    // A character inside the signature: each carries six of its bits (the last one's low bits
    // are padding, so changing the end alone could decode to the same signature).
    const changed = signature![10] === "A" ? "B" : "A";
    const flipped = `${head}.${body}.${signature!.slice(0, 10)}${changed}${signature!.slice(11)}`;
    expect(await refusal(verifyCallerToken(callerKeysFor(settingsOf("trades"), "trades"), flipped, "trades"))).toBe("UNAUTHENTICATED");
  });
});

describe("caller keys", () => {
  it("derives every key from the seed in development, the same each time, and a seed's keys are its own", () => {
    const development = callerKeysFor({ env: "development" }, "media");
    expect(publicKeyText(development.signingKey("media"))).toBe(
      publicKeyText(derivedSigningKey("dev-only-insecure-caller-key-seed-do-not-use-in-production", "media")),
    );
    expect(() => development.signingKey("gateway")).toThrow();
    expect(publicKeyText(development.publicKey("gateway")!)).toBe(publicKeyText(callerKeysFor({ env: "test" }, "gateway").signingKey("gateway")));
    const other = CallerKeyring.fromSeed("another-seed-for-this-test-only-0123456789");
    expect(publicKeyText(other.signingKey("gateway"))).not.toBe(publicKeyText(development.publicKey("gateway")!));
  });

  it("derives nothing in production: only the keys it is given", () => {
    const keys = callerKeysFor({ env: "production", publicKeys: publicKeysText([["gateway", every.get("gateway")!]]) }, "ledger");
    expect(keys.publicKey("gateway")).toBeDefined();
    expect(keys.publicKey("trades")).toBeUndefined();
    expect(() => keys.signingKey("ledger")).toThrow(/CALLER_SIGNING_KEY/);
  });

  it("reads keys as pnpm caller-keys prints them, as PEM and as a JWK (JSON or base64)", () => {
    const key = every.get("search")!;
    const x = publicKeyText(key);
    const jwk = key.export({ format: "jwk" });
    for (const text of [
      signingKeyText(key),
      key.export({ format: "pem", type: "pkcs8" }).toString(),
      JSON.stringify(jwk),
      Buffer.from(JSON.stringify(jwk)).toString("base64"),
    ]) {
      expect(publicKeyText(parseSigningKey(text))).toBe(x);
    }
    const { d: _d, ...publicJwk } = jwk;
    for (const text of [x, parsePublicKey(x).export({ format: "pem", type: "spki" }).toString(), JSON.stringify(publicJwk)]) {
      expect(publicKeyText(parsePublicKey(text))).toBe(x);
    }
    expect(() => parsePublicKey(JSON.stringify(jwk))).toThrow(/public key/); // a private JWK is not a public key
    expect(() => parseSigningKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString())).toThrow(
      /Ed25519/,
    );
    expect([...parsePublicKeys(`gateway=${x}, media=${x}`).keys()]).toEqual(["gateway", "media"]);
    expect([...parsePublicKeys(JSON.stringify({ gateway: x })).keys()]).toEqual(["gateway"]);
    expect(() => parsePublicKeys(`mallory=${x}`)).toThrow(/mallory: not a signer/);
    expect(() => parsePublicKeys(`gateway=nonsense`)).toThrow(/gateway: must be an Ed25519 public key/);
  });
});
