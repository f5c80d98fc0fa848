// The notification channels against real protocol peers: an SMTP server (smtp-server) that
// keeps what it receives, and a stand-in push service that decrypts what it receives the way
// a browser does and checks the VAPID signature.
import { createECDH, generateKeyPairSync, randomBytes, randomUUID, type ECDH } from "node:crypto";
import { once } from "node:events";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import ece from "http_ece";
import { importJWK, jwtVerify } from "jose";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEmailChannel,
  DEVELOPMENT_APP_URL,
  createPushChannel,
  DeliveryFailed,
  DevelopmentMailbox,
  SmtpEmailChannel,
  WebPushChannel,
  type EmailChannel,
  type NotificationKind,
  type OutgoingNotification,
  type Recipient,
} from "../../subgraphs/identity/src/notifications/channels/index.ts";
import { freePort } from "../harness/databases.ts";

const MAIL_FROM = "LocalEx <no-reply@localex.test>";
const SMTP_USER = "localex";
const SMTP_PASSWORD = "smtp password for tests";

function notification(kind: NotificationKind, message: string, tradeId: string | null = randomUUID()): OutgoingNotification {
  return { id: randomUUID(), kind, message, createdAt: new Date(), tradeId };
}

function recipient(displayName = "Ann"): Recipient {
  return { userId: randomUUID(), email: `member-${randomUUID()}@example.org`, displayName };
}

async function failureOf(attempt: Promise<unknown>): Promise<DeliveryFailed> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryFailed);
  return error as DeliveryFailed;
}

// ---------------------------------------------------------------------------------------------
// A minimal MIME reader: enough to find headers and the text and HTML parts whatever transfer
// encoding nodemailer picks (7bit, quoted-printable or base64).

interface MimeEntity {
  headers: Map<string, string>;
  body: string;
}

interface ReceivedMail {
  envelopeTo: string[];
  user: string | undefined;
  from: string;
  to: string;
  subject: string;
  autoSubmitted: string | undefined;
  text: string;
  html: string;
}

function splitEntity(raw: string): MimeEntity {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? "" : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(entity: MimeEntity): string {
  const encoding = (entity.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(entity.body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(entity.body.replace(/=\r\n/g, ""));
  return entity.body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === "=" ? text.slice(i + 1, i + 3) : "";
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? "", "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=), as headers with non-ASCII carry them. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_, kind: string, text: string) =>
      kind.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQuotedPrintable(text.replace(/_/g, " ")),
    );
}

/** The leaf parts of a message, multipart/alternative and multipart/mixed opened. */
function leafParts(entity: MimeEntity): { type: string; content: string }[] {
  const type = entity.headers.get("content-type") ?? "text/plain";
  if (!type.toLowerCase().startsWith("multipart/")) return [{ type: type.split(";")[0]!.trim().toLowerCase(), content: decodeBody(entity) }];
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw new Error(`multipart without a boundary: ${type}`);
  const sections = entity.body.split(`--${boundary}`).slice(1);
  return sections
    .filter((section) => !section.startsWith("--"))
    .flatMap((section) => leafParts(splitEntity(section.replace(/^\r\n/, "").replace(/\r\n$/, ""))));
}

function readMail(raw: string, envelopeTo: string[], user: string | undefined): ReceivedMail {
  const message = splitEntity(raw);
  const parts = leafParts(message);
  const header = (name: string) => decodeHeader(message.headers.get(name) ?? "");
  return {
    envelopeTo,
    user,
    from: header("from"),
    to: header("to"),
    subject: header("subject"),
    autoSubmitted: message.headers.get("auto-submitted"),
    text: parts.find((p) => p.type === "text/plain")?.content ?? "",
    html: parts.find((p) => p.type === "text/html")?.content ?? "",
  };
}

// ---------------------------------------------------------------------------------------------

describe("email over SMTP, against a real SMTP server", () => {
  let smtp: SMTPServer;
  let port: number;
  const received: ReceivedMail[] = [];
  let channel: EmailChannel;
  /** Recipients the server refuses with a permanent 550, as a mailbox that does not exist. */
  const unknownMailboxes = new Set<string>();

  const mailTo = (address: string) => received.filter((m) => m.envelopeTo.includes(address));

  beforeAll(async () => {
    smtp = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS"],
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      },
      onRcptTo(address, _session, callback) {
        if (unknownMailboxes.has(address.address)) callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          // Kept before the server answers 250, so a resolved send() means it is here.
          const user = typeof session.user === "string" ? session.user : undefined;
          received.push(
            readMail(
              Buffer.concat(chunks).toString("utf8"),
              session.envelope.rcptTo.map((r) => r.address),
              user,
            ),
          );
          callback();
        });
      },
    });
    smtp.listen(0, "127.0.0.1");
    await once(smtp.server, "listening");
    port = (smtp.server.address() as AddressInfo).port;
    channel = createEmailChannel({
      transport: { kind: "smtp", url: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}` },
      from: MAIL_FROM,
      appUrl: DEVELOPMENT_APP_URL,
    });
  });

  afterAll(async () => {
    await channel?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it("SMTP_URL set: the channel is SMTP, and the start-up line names the server without the password", () => {
    expect(channel).toBeInstanceOf(SmtpEmailChannel);
    expect(channel.describe()).toContain(`smtp://127.0.0.1:${port}`);
    expect(channel.describe()).not.toContain(SMTP_PASSWORD);
  });

  it("one notification arrives as one message to the member, with the kind's subject, text and HTML", async () => {
    const ann = recipient("Ann");
    const proposal = notification("TRADE_PROPOSED", "Ben proposed a trade: his ladder for your drill.");

    await channel.send(ann, [proposal]);

    const mail = mailTo(ann.email);
    expect(mail).toHaveLength(1);
    const [message] = mail;
    expect(message!.envelopeTo).toEqual([ann.email]);
    expect(message!.user).toBe(SMTP_USER);
    expect(message!.from).toContain("no-reply@localex.test");
    expect(message!.to).toContain(ann.email);
    expect(message!.to).toContain("Ann");
    expect(message!.subject).toBe("New trade proposal");
    expect(message!.autoSubmitted).toBe("auto-generated");
    expect(message!.text).toContain("Hi Ann,");
    expect(message!.text).toContain("Ben proposed a trade: his ladder for your drill.");
    expect(message!.text).toContain(`/trades/${proposal.tradeId}`);
    expect(message!.html).toContain("<p>Ben proposed a trade: his ladder for your drill.</p>");
    expect(message!.html).toMatch(new RegExp(`<a href="[^"]*/trades/${proposal.tradeId}">`));
  });

  it("three notifications of one kind arrive as one digest naming all three", async () => {
    const zoe = recipient("Zoë");
    const proposals = [
      notification("TRADE_PROPOSED", "Ann proposed a trade for your café table."),
      notification("TRADE_PROPOSED", "Cleo proposed a trade for your tent."),
      notification("TRADE_PROPOSED", "Dev proposed a trade for your kettle."),
    ];

    await channel.send(zoe, proposals);

    const mail = mailTo(zoe.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe("3 trade proposals");
    expect(mail[0]!.to).toContain("Zoë");
    expect(mail[0]!.text).toContain("Hi Zoë,");
    for (const proposal of proposals) {
      expect(mail[0]!.text).toContain(proposal.message);
      expect(mail[0]!.text).toContain(`/trades/${proposal.tradeId}`);
      expect(mail[0]!.html).toContain(proposal.message);
    }
  });

  it("a display name and a message with markup are escaped in the HTML part", async () => {
    const mallory = recipient("Mallory <script>alert(1)</script>");
    const credits = notification("CREDITS_RECEIVED", 'Ann sent you 5 credits: "<img src=x onerror=alert(2)>"', null);

    await channel.send(mallory, [credits]);

    const [message] = mailTo(mallory.email);
    expect(message!.html).not.toContain("<script>");
    expect(message!.html).not.toContain("<img");
    expect(message!.html).toContain("Hi Mallory &lt;script&gt;alert(1)&lt;/script&gt;,");
    expect(message!.html).toContain("&lt;img src=x onerror=alert(2)&gt;");
    // Plain text is not markup: the name reads as the member wrote it.
    expect(message!.text).toContain("Hi Mallory <script>alert(1)</script>,");
    expect(message!.subject).toBe("You received credits");
  });

  it("a mailbox the server refuses for good fails the send as not worth retrying", async () => {
    const gone = recipient("Gone");
    unknownMailboxes.add(gone.email);

    const failure = await failureOf(channel.send(gone, [notification("TRADE_EXPIRED", "Your proposal to Ann expired.")]));

    expect(failure.channel).toBe("email");
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain(gone.email);
    expect(failure.message).toContain("No such mailbox");
    expect(mailTo(gone.email)).toHaveLength(0);
  });
});

describe("email when the SMTP server is not there", () => {
  let silent: TcpServer;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never says a word: a hung server, not a refused one.
    silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    });
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
  });

  it("a refused connection fails the send at once with a clear, retryable error", async () => {
    const port = await freePort();
    const channel = new SmtpEmailChannel({ url: `smtp://127.0.0.1:${port}`, from: MAIL_FROM });
    try {
      const failure = await failureOf(channel.send(recipient(), [notification("TRADE_ACCEPTED", "Ben accepted your trade.")]));
      expect(failure.retryable).toBe(true);
      expect(failure.message).toContain(`smtp://127.0.0.1:${port}`);
      expect(failure.message).toMatch(/ECONNREFUSED/);
    } finally {
      await channel.close();
    }
  });

  // The test's own time limit is the proof that nothing hangs: the channel's default
  // greeting timeout must give up well before it.
  it("a server that accepts but never greets fails the send within seconds, not a hang", { timeout: 15_000 }, async () => {
    const port = (silent.address() as AddressInfo).port;
    const channel = new SmtpEmailChannel({ url: `smtp://127.0.0.1:${port}`, from: MAIL_FROM });
    try {
      const failure = await failureOf(channel.send(recipient(), [notification("TRADE_ACCEPTED", "Ben accepted your trade.")]));
      expect(failure.retryable).toBe(true);
      expect(failure.message).toMatch(/greeting/i);
      expect(failure.message).toContain(`smtp://127.0.0.1:${port}`);
    } finally {
      await channel.close();
    }
  });
});

describe("email without SMTP_URL: the development mailbox", () => {
  it("keeps the latest messages in memory, newest first, listed per recipient", async () => {
    const mailbox = createEmailChannel({ transport: { kind: "inbox" }, from: MAIL_FROM, appUrl: DEVELOPMENT_APP_URL });
    expect(mailbox).toBeInstanceOf(DevelopmentMailbox);
    expect(mailbox.describe()).toMatch(/development mailbox/);
    const ann = recipient("Ann");
    const ben = recipient("Ben");

    await mailbox.send(ann, [notification("PHOTO_READY", "Your photo of the drill is ready.", null)]);
    await mailbox.send(ben, [notification("PHOTO_FAILED", "Your photo of the tent could not be processed.", null)]);
    await mailbox.send(ann, [notification("TRADE_DECLINED", "Ben declined your trade."), notification("TRADE_DECLINED", "Cleo declined your trade.")]);

    const annsMail = (mailbox as DevelopmentMailbox).list({ to: ann.email.toUpperCase() });
    expect(annsMail.map((m) => m.subject)).toEqual(["2 trades declined", "Your photo is ready"]);
    expect(annsMail[0]).toMatchObject({ to: ann.email, from: MAIL_FROM });
    expect(annsMail[0]!.text).toContain("Cleo declined your trade.");
    expect(annsMail[0]!.html).toContain("Ben declined your trade.");
    expect(annsMail[0]!.sentAt).toBeInstanceOf(Date);
    expect((mailbox as DevelopmentMailbox).list().map((m) => m.to)).toEqual([ann.email, ben.email, ann.email]);
  });

  it("forgets the oldest messages beyond its capacity", async () => {
    const mailbox = new DevelopmentMailbox({ from: MAIL_FROM, capacity: 2 });
    const ann = recipient();
    for (const n of [1, 2, 3]) await mailbox.send(ann, [notification("CREDITS_RECEIVED", `Transfer ${n} arrived.`, null)]);

    expect(mailbox.list().map((m) => m.text.match(/Transfer \d/)?.[0])).toEqual(["Transfer 3", "Transfer 2"]);
  });
});

// ---------------------------------------------------------------------------------------------

interface PushRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A subscription made the way a browser makes one: a P-256 key pair and a 16-byte auth secret. */
function browserSubscription(endpoint: string): { ecdh: ECDH; auth: string; target: { endpoint: string; keys: { p256dh: string; auth: string } } } {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16).toString("base64url");
  return { ecdh, auth, target: { endpoint, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth } } };
}

/** A VAPID key pair in the form web-push takes: the raw uncompressed public point and private scalar. */
function vapidKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = publicKey.export({ format: "jwk" });
  const priv = privateKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x!, "base64url"), Buffer.from(pub.y!, "base64url")]);
  return { publicKey: point.toString("base64url"), privateKey: priv.d! };
}

/** Checks the VAPID header the way a push service does; returns the token's claims. */
async function verifyVapid(authorization: string | undefined, expectedKey: string, origin: string) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  expect(match, `Authorization: ${authorization}`).not.toBeNull();
  const [, token, key] = match!;
  expect(key).toBe(expectedKey);
  const point = Buffer.from(key!, "base64url");
  const publicKey = await importJWK(
    { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33, 65).toString("base64url") },
    "ES256",
  );
  const { payload } = await jwtVerify(token!, publicKey, { audience: origin, algorithms: ["ES256"] });
  return payload;
}

describe("Web Push, against a local push service that decrypts what it receives", () => {
  let pushService: HttpServer;
  let origin: string;
  const requests: PushRequest[] = [];
  const vapid = vapidKeyPair();
  const subject = "mailto:push-tests@localex.test";
  let channel: WebPushChannel;

  // The push service's answer for each subscription id: 201 Created unless the id says otherwise.
  const answers: Record<string, number> = { gone: 410, unknown: 404, broken: 500 };

  beforeAll(async () => {
    pushService = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        requests.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
        const id = (req.url ?? "").split("/").pop() ?? "";
        res.writeHead(answers[id] ?? 201).end();
      });
    });
    pushService.listen(0, "127.0.0.1");
    await once(pushService, "listening");
    origin = `http://127.0.0.1:${(pushService.address() as AddressInfo).port}`;
    channel = new WebPushChannel({ ...vapid, subject, allowPlainHttp: true, endpoints: { hosts: ["push.localex.test"], allowLoopback: true } });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (pushService ? pushService.close(() => resolve()) : resolve()));
  });

  const requestsTo = (path: string) => requests.filter((r) => r.path === path);

  it("delivers the notification encrypted for the subscription (aes128gcm), with a VAPID token signed for the push service", async () => {
    const path = `/push/${randomUUID()}`;
    const browser = browserSubscription(`${origin}${path}`);
    const countered = notification("TRADE_COUNTERED", "Ben countered: his ladder and 5 credits for your drill.");

    expect(await channel.send(browser.target, countered)).toEqual({ gone: false });

    const [request] = requestsTo(path);
    expect(request).toBeDefined();
    expect(request!.headers["content-encoding"]).toBe("aes128gcm");
    expect(request!.headers["urgency"]).toBe("normal");
    expect(Number(request!.headers["ttl"])).toBeGreaterThan(0);

    const plain = ece.decrypt(request!.body, { version: "aes128gcm", privateKey: browser.ecdh, authSecret: browser.auth });
    expect(JSON.parse(plain.toString("utf8"))).toEqual({
      id: countered.id,
      kind: "TRADE_COUNTERED",
      title: "Counter-offer on your trade",
      body: "Ben countered: his ladder and 5 credits for your drill.",
      tradeId: countered.tradeId,
    });

    const claims = await verifyVapid(typeof request!.headers.authorization === "string" ? request!.headers.authorization : undefined, vapid.publicKey, origin);
    expect(claims.sub).toBe(subject);
    expect(channel.publicKey).toBe(vapid.publicKey);
  });

  it("a subscription the push service no longer knows (410 Gone, 404) is reported gone, for the caller to forget", async () => {
    expect(await channel.send(browserSubscription(`${origin}/push/gone`).target, notification("PHOTO_READY", "Your photo is ready.", null))).toEqual({
      gone: true,
    });
    expect(await channel.send(browserSubscription(`${origin}/push/unknown`).target, notification("PHOTO_READY", "Your photo is ready.", null))).toEqual({
      gone: true,
    });
    expect(requestsTo("/push/gone")).toHaveLength(1);
    expect(requestsTo("/push/unknown")).toHaveLength(1);
  });

  it("a push service failing with 500 makes the send throw, as worth retrying", async () => {
    const failure = await failureOf(
      channel.send(browserSubscription(`${origin}/push/broken`).target, notification("TRADE_COMPLETED", "Your trade is complete.")),
    );

    expect(failure.channel).toBe("push");
    expect(failure.retryable).toBe(true);
    expect(failure.message).toContain("500");
    expect(failure.message).toContain(origin);
    expect(failure.message).not.toContain("/push/broken");
  });

  it("in production a plain-http push endpoint is refused, and nothing is sent to it", async () => {
    const production = createPushChannel({
      vapid: { publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject },
      endpointHosts: ["push.localex.test"],
      allowLoopback: false,
      allowPlainHttp: false,
      sendBudgetSeconds: 5,
    });
    const path = `/push/${randomUUID()}`;

    const failure = await failureOf(production.send(browserSubscription(`${origin}${path}`).target, notification("TRADE_DISPUTED", "Ann opened a dispute.")));

    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/https/);
    expect(requestsTo(path)).toHaveLength(0);
    expect(production.publicKey).toBe(vapid.publicKey);
  });
});
