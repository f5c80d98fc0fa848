// Push endpoints of a test's own on loopback (the harness's graph accepts loopback endpoints:
// PUSH_ALLOW_LOOPBACK in global-setup.ts): a push service that decrypts what it receives for its
// browser, and a tarpit that never answers.
import { createECDH, randomBytes, type ECDH } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import ece from "http_ece";
import type { GraphQLResponse, TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";

export interface Browser {
  ecdh: ECDH;
  auth: Buffer;
  /** As a browser's PushSubscription gives them (keys.p256dh, keys.auth). */
  keys: { p256dh: string; auth: string };
}

export function browser(): Browser {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") } };
}

export interface Received {
  path: string;
  /** Null when it could not be decrypted with this service's browser keys (they were someone else's). */
  payload: { id: string; kind: string; title: string; body: string; tradeId: string | null } | null;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A push service of the test's own: decrypts what arrives for the browser it made keys for, and answers `answer()`. */
export async function pushService(answer: () => number = () => 201) {
  const owner = browser();
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let payload: Received["payload"] = null;
      try {
        const plain = ece.decrypt(Buffer.concat(chunks), { version: "aes128gcm", privateKey: owner.ecdh, authSecret: owner.auth });
        payload = JSON.parse(plain.toString("utf8")) as Received["payload"];
      } catch {
        // Encrypted for other keys: recorded as such.
      }
      received.push({ path: req.url ?? "", payload });
      res.writeHead(answer()).end();
    });
  });
  const origin = await listen(server);
  return {
    received,
    browser: owner,
    subscription: { endpoint: `${origin}/push/${randomBytes(8).toString("hex")}`, ...owner.keys },
    close: () => close(server),
  };
}

export async function untilPushed(service: { received: Received[] }, matches: (r: Received) => boolean, what: string): Promise<Received> {
  const found = await eventually(
    `a push ${what}`,
    async () => service.received.find(matches),
    (r) => r !== undefined,
  );
  return found!;
}

/**
 * A push endpoint that takes every request and never answers: each request is held until the
 * sender gives up on it (closes its connection). Paths are `/tarpit/<memberId>/<n>`, so what is
 * held can be told per member.
 */
export async function tarpit() {
  const requests: { member: string; released: boolean }[] = [];
  const server = createServer((req: IncomingMessage) => {
    const entry = { member: (req.url ?? "").split("/")[2] ?? "", released: false };
    requests.push(entry);
    req.resume();
    req.socket.once("close", () => (entry.released = true));
  });
  const origin = await listen(server);
  const of = (member?: string) => requests.filter((r) => member === undefined || r.member === member);
  return {
    endpoint: (member: string, n: number) => `${origin}/tarpit/${member}/${n}`,
    /** Requests of this member (or of any) it holds now. */
    held: (member?: string) => of(member).filter((r) => !r.released).length,
    /** Requests of this member (or of any) whose sender gave up. */
    released: (member?: string) => of(member).filter((r) => r.released).length,
    /** Members with a request held now. */
    membersHeld: () => new Set(requests.filter((r) => !r.released).map((r) => r.member)).size,
    close: () => close(server),
  };
}

const REGISTER_PUSH = `mutation ($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) { registered errors { code field } } }`;
const UNREGISTER_PUSH = `mutation ($endpoint: String!) { unregisterPushSubscription(endpoint: $endpoint) }`;

export const registerPush = (user: TestUser, input: { endpoint: string; p256dh: string; auth: string }) =>
  user.client.request<{ registerPushSubscription: { registered: boolean; errors: { code: string; field: string | null }[] } }>(REGISTER_PUSH, { input });

/** The answer to a registration that went through. */
export const REGISTERED = { status: 200, data: { registerPushSubscription: { registered: true, errors: [] } } };

export const unregisterPush = (user: TestUser, endpoint: string): Promise<GraphQLResponse<{ unregisterPushSubscription: boolean }>> =>
  user.client.request<{ unregisterPushSubscription: boolean }>(UNREGISTER_PUSH, { endpoint });
