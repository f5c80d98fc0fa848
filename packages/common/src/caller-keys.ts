import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from "node:crypto";
import type { Config } from "./config.ts";
import { SUBGRAPH_NAMES, type SubgraphName } from "./subgraph-names.ts";

/**
 * Who may sign a subgraph request: the gateway (for a client, anonymous ones included), another
 * subgraph (its internal calls), or an operator's tool (CLIs, tests).
 */
export type ServiceName = SubgraphName | "gateway" | "operator";
export const SERVICE_NAMES: readonly ServiceName[] = ["gateway", ...SUBGRAPH_NAMES, "operator"];

/**
 * Development-only: every service's caller key derives from it, so `pnpm start` needs no
 * setting. Published here, and refused in production (as is any seed: a process holding one
 * could sign as every service).
 */
export const DEV_CALLER_KEY_SEED = "dev-only-insecure-caller-key-seed-do-not-use-in-production";

/**
 * The keys one process signs and checks caller tokens with (Ed25519): its own private key
 * (the whole graph in one process: every service's), and each signer's public key. A subgraph
 * holding only public keys can verify the gateway but never sign as it.
 */
export interface CallerKeys {
  /** Tells key sets apart in the token caches. */
  readonly id: number;
  /** The private key to sign as `signer`; throws when this process holds none. */
  signingKey(signer: ServiceName): KeyObject;
  /** The public key `signer`'s tokens must verify with; undefined: a signer this process does not trust. */
  publicKey(signer: ServiceName): KeyObject | undefined;
}

let nextId = 1;

export class CallerKeyring implements CallerKeys {
  readonly id = nextId++;

  constructor(
    private readonly signing: ReadonlyMap<ServiceName, KeyObject>,
    private readonly verifying: ReadonlyMap<ServiceName, KeyObject>,
  ) {}

  /** Every service's key pair, derived from one seed: development and tests, or the whole graph in one process. */
  static fromSeed(seed: string): CallerKeyring {
    const pairs = SERVICE_NAMES.map((signer) => [signer, derivedSigningKey(seed, signer)] as const);
    return new CallerKeyring(new Map(pairs), new Map(pairs.map(([signer, key]) => [signer, createPublicKey(key)])));
  }

  signingKey(signer: ServiceName): KeyObject {
    const key = this.signing.get(signer);
    if (!key) throw new Error(`This process holds no caller key to sign as ${signer} (CALLER_SIGNING_KEY).`);
    return key;
  }

  publicKey(signer: ServiceName): KeyObject | undefined {
    return this.verifying.get(signer);
  }
}

/** The caller-keys section (config-platform.ts); unset keys derive from the seed outside production. */
type KeySettings = Pick<Config["callers"], "env"> & Partial<Omit<Config["callers"], "env">>;

/**
 * The caller keys of a process that serves `piece` (config.ts has checked the settings):
 * - one piece: its own private key (CALLER_SIGNING_KEY) and the public keys CALLER_PUBLIC_KEYS
 *   names; in development and tests, whatever those leave out derives from CALLER_KEY_SEED;
 * - the whole graph in one process: every key, from CALLER_KEY_SEED in development and tests,
 *   from a seed made at start in production (it never leaves the process).
 */
export function callerKeysFor(config: KeySettings, piece: ServiceName | "graph"): CallerKeys {
  const production = config.env === "production";
  if (piece === "graph") return CallerKeyring.fromSeed(config.seed ?? (production ? processSeed() : DEV_CALLER_KEY_SEED));
  const seed = production ? undefined : (config.seed ?? DEV_CALLER_KEY_SEED);
  const own = config.signingKey ? parseSigningKey(config.signingKey) : seed ? derivedSigningKey(seed, piece) : undefined;
  const named = config.publicKeys ? parsePublicKeys(config.publicKeys) : new Map<ServiceName, KeyObject>();
  const verifying = new Map<ServiceName, KeyObject>();
  for (const signer of SERVICE_NAMES) {
    const key = named.get(signer) ?? (seed ? createPublicKey(derivedSigningKey(seed, signer)) : undefined);
    if (key) verifying.set(signer, key);
  }
  return new CallerKeyring(new Map(own ? [[piece, own]] : []), verifying);
}

/** An Ed25519 private key in PKCS#8 DER is a fixed prefix and the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** An Ed25519 public key in SPKI DER is a fixed prefix and the 32 bytes. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const RAW_KEY = /^[A-Za-z0-9_-]{43}$/;

/** `signer`'s private key from a seed: the same seed always gives the same key. */
export function derivedSigningKey(seed: string, signer: ServiceName): KeyObject {
  const bytes = createHash("sha256").update(`localex caller key\u0000${seed}\u0000${signer}`).digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes]), format: "der", type: "pkcs8" });
}

/** A seed for the whole graph in one process in production: made at start, never leaves it. */
export const processSeed = (() => {
  let seed: string | undefined;
  return () => (seed ??= randomBytes(32).toString("base64url"));
})();

function asEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${what} must be an Ed25519 key, not ${key.asymmetricKeyType ?? key.type}`);
  return key;
}

/** A JWK as JSON, or as base64 of that JSON. */
function jwkIn(text: string): JsonWebKey | null {
  const json = text.startsWith("{") ? text : Buffer.from(text, "base64").toString("utf8");
  if (!json.startsWith("{")) return null;
  try {
    return JSON.parse(json) as JsonWebKey;
  } catch {
    return null; // said as "must be …", never with the parser's excerpt of a private key
  }
}

/**
 * A private key as `pnpm caller-keys` prints it (43 characters: the JWK's `d`), as PEM (PKCS#8),
 * or as a JWK (JSON, or base64 of it).
 */
export function parseSigningKey(text: string): KeyObject {
  const value = text.trim();
  if (value.startsWith("-----BEGIN")) return asEd25519(createPrivateKey(value), "the private key");
  if (RAW_KEY.test(value))
    return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(value, "base64url")]), format: "der", type: "pkcs8" });
  const jwk = jwkIn(value);
  if (!jwk?.d) throw new Error("must be an Ed25519 private key: 43 base64url characters, PEM or a JWK with d");
  return asEd25519(createPrivateKey({ key: jwk, format: "jwk" }), "the private key");
}

/** A public key as `pnpm caller-keys` prints it (the JWK's `x`), as PEM (SPKI), or as a JWK (JSON, or base64 of it). */
export function parsePublicKey(text: string): KeyObject {
  const value = text.trim();
  if (value.startsWith("-----BEGIN")) return asEd25519(createPublicKey(value), "the public key");
  if (RAW_KEY.test(value)) return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(value, "base64url")]), format: "der", type: "spki" });
  const jwk = jwkIn(value);
  if (!jwk?.x || jwk.d) throw new Error("must be an Ed25519 public key: 43 base64url characters, PEM or a JWK with x (and no d)");
  return asEd25519(createPublicKey({ key: jwk, format: "jwk" }), "the public key");
}

/**
 * CALLER_PUBLIC_KEYS: each signer's public key, as `gateway=<key>,media=<key>` or as a JSON
 * object `{ "gateway": "<key>", … }`. Throws, naming the entry, on an unknown signer or a bad key.
 */
export function parsePublicKeys(text: string): Map<ServiceName, KeyObject> {
  const value = text.trim();
  const entries: [string, string][] = value.startsWith("{")
    ? Object.entries(JSON.parse(value) as Record<string, string>)
    : value
        .split(",")
        .filter((entry) => entry.trim())
        .map((entry) => {
          const at = entry.indexOf("=");
          if (at < 0) throw new Error(`"${entry.trim().slice(0, 20)}…" must be <signer>=<public key>`);
          return [entry.slice(0, at).trim(), entry.slice(at + 1)];
        });
  const keys = new Map<ServiceName, KeyObject>();
  for (const [signer, key] of entries) {
    if (!SERVICE_NAMES.includes(signer as ServiceName)) throw new Error(`${signer}: not a signer (${SERVICE_NAMES.join(", ")})`);
    try {
      keys.set(signer as ServiceName, parsePublicKey(String(key)));
    } catch (e) {
      throw new Error(`${signer}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return keys;
}

/** The forms `pnpm caller-keys` prints: the JWK's `d` (private) and `x` (public), base64url. */
export const signingKeyText = (key: KeyObject): string => key.export({ format: "jwk" }).d!;
export const publicKeyText = (key: KeyObject): string => (key.type === "public" ? key : createPublicKey(key)).export({ format: "jwk" }).x!;

/** CALLER_PUBLIC_KEYS for these keys (private or public), in the `name=key,…` form. */
export function publicKeysText(keys: Iterable<readonly [ServiceName, KeyObject]>): string {
  return [...keys].map(([signer, key]) => `${signer}=${publicKeyText(key)}`).join(",");
}

/** A new key pair for every service (`pnpm caller-keys`). */
export function generateCallerKeys(): Map<ServiceName, KeyObject> {
  return new Map(SERVICE_NAMES.map((signer) => [signer, generateKeyPairSync("ed25519").privateKey]));
}

/** Whether `key` (private) is the private half of `publicKey`. */
export const samePair = (key: KeyObject, publicKey: KeyObject): boolean => publicKeyText(key) === publicKeyText(publicKey);
