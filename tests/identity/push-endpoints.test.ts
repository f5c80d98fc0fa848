// A push endpoint is a URL a member chooses and identity's worker POSTs to (security issue 20).
// Only push services' hosts are accepted; connections go to public addresses only (loopback
// here, for the test's own receivers, by the harness's development-only PUSH_ALLOW_LOOPBACK);
// one member's slow endpoints hold neither mail nor anyone else's push; an endpoint stays the
// member's who registered it first; and unregistering tells nothing about the endpoint.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { JOB_POLICIES, TASKS, DEV_VAPID_PRIVATE_KEY, DEV_VAPID_PUBLIC_KEY } from "@localex/common";
import { DeliveryFailed, WebPushChannel } from "../../subgraphs/identity/src/notifications/channels/index.ts";
import { registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { untilNoJobFor } from "../harness/jobs.ts";
import { grantedUser, transfer } from "../ledger/helpers.ts";
import { browser, pushService, REGISTERED, registerPush, tarpit, unregisterPush, untilPushed } from "./push-helpers.ts";

const db = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
afterAll(() => db.end());

/** Credits sent, checked: a refused transfer pushes nothing, and a test waiting for its push would only time out. */
async function send(from: TestUser, toUserId: string, amount: number): Promise<void> {
  expect((await transfer(from, toUserId, amount)).errors).toEqual([]);
}

/** Two members holding credits an admin granted (welcome credits are not sent on before a first trade). */
const twoMembers = async () => {
  const [ann, bob] = await Promise.all([grantedUser(), grantedUser()]);
  return { ann, bob };
};

const endpointsOf = async (member: TestUser) =>
  (await db<{ endpoint: string }[]>`select endpoint from identity.push_subscriptions where user_id = ${member.id} order by endpoint`).map((r) => r.endpoint);

describe("registering a push endpoint", () => {
  it("refuses an endpoint that is not on a push service's host (private, link-local, metadata, other hosts) with PUSH_ENDPOINT_NOT_ALLOWED; a push service's is accepted", async () => {
    // Unverified: no welcome credits, so no notification is ever pushed to what it registers.
    const member = await registerUser({ verify: false });
    const { keys } = browser();
    const refused = [
      "https://10.0.0.8/push/a",
      "https://172.16.5.4/push/a",
      "https://192.168.1.20/push/a",
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00::1]/push/a",
      "https://[fe80::1]/push/a",
      "https://[::ffff:10.0.0.1]/push/a",
      "https://0.0.0.0/push/a",
      "https://attacker.example/push/a",
      "https://push.localex.test.attacker.example/push/a",
      "https://user:secret@push.localex.test/push/a",
    ];
    for (const endpoint of refused) {
      const res = await registerPush(member, { endpoint, ...keys });
      expect(res.data?.registerPushSubscription, endpoint).toEqual({
        registered: false,
        errors: [{ code: "PUSH_ENDPOINT_NOT_ALLOWED", field: "input.endpoint" }],
      });
    }
    expect(await endpointsOf(member)).toEqual([]);

    // The positive control: on the hosts the graph pushes to (the harness lists stand-ins of the
    // public push services that resolve nowhere), a name under a `*.` entry too.
    const accepted = ["https://eu.push.localex.test/push/b", "https://push.localex.test/push/b"];
    for (const endpoint of accepted) expect(await registerPush(member, { endpoint, ...keys })).toEqual(REGISTERED);
    expect(await endpointsOf(member)).toEqual(accepted);
  });
});

describe("pushes to a member's endpoints", () => {
  it("go to all 20 of them at once and are given up together, while a newcomer's verification email and another member's push go out", async () => {
    const trap = await tarpit();
    const { ann, bob: mallory } = await twoMembers();
    try {
      // Her granted credits' push done first, so every push the tarpit sees is of what follows.
      await untilNoJobFor(db, mallory.id, null, 90_000);
      const { keys } = browser();
      for (let n = 0; n < 20; n++) expect((await registerPush(mallory, { endpoint: trap.endpoint(mallory.id, n), ...keys })).errors).toBeUndefined();
      // More notifications than identity's worker had slots (4): pushed one endpoint after another,
      // 10 s each, they held every slot for minutes.
      for (let i = 0; i < 5; i++) await send(ann, mallory.id, 1);

      await eventually(
        "the tarpit holding Mallory's 20 endpoints at once",
        async () => trap.held(mallory.id),
        (n) => n === 20,
      );
      const annBrowser = await pushService();
      try {
        expect((await registerPush(ann, annBrowser.subscription)).errors).toBeUndefined();
        await registerUser(); // waits for its verification email and verifies with its link
        await send(mallory, ann.id, 1);
        await untilPushed(annBrowser, (r) => r.payload?.kind === "CREDITS_RECEIVED", "to Ann about Mallory's credits");
        // All of it while the tarpit still held every one of Mallory's pushes.
        expect(trap.released(mallory.id)).toBe(0);
        expect(trap.held(mallory.id)).toBe(20);
      } finally {
        await annBrowser.close();
      }
      // The delivery's budget lets go of all 20 together.
      await eventually(
        "the tarpit's 20 requests given up",
        async () => trap.released(mallory.id),
        (n) => n >= 20,
      );
    } finally {
      for (let n = 0; n < 20; n++) await unregisterPush(mallory, trap.endpoint(mallory.id, n));
      await trap.close();
    }
  }, 120_000);

  it("on several members' tarpits, hold only the push slots: a verification email goes out while every push slot is held", async () => {
    const lane = JOB_POLICIES[TASKS.sendNotificationPush]?.lane;
    expect(lane).toBeDefined();
    const trap = await tarpit();
    // One more member than identity's worker had slots (4), and more than push has.
    const [funder, ...members] = await Promise.all(Array.from({ length: 6 }, () => grantedUser()));
    try {
      for (const member of members) await untilNoJobFor(db, member.id, null, 90_000);
      const { keys } = browser();
      for (const member of members) expect((await registerPush(member, { endpoint: trap.endpoint(member.id, 0), ...keys })).errors).toBeUndefined();
      for (const member of members) await send(funder!, member.id, 1);

      await eventually(
        "every push slot held by the tarpit",
        async () => trap.membersHeld(),
        (n) => n >= lane!.concurrency,
      );
      await registerUser(); // its verification email arrives, and it verifies with the link
      expect(trap.released()).toBe(0);
    } finally {
      for (const member of members) await unregisterPush(member, trap.endpoint(member.id, 0));
      await trap.close();
    }
  }, 120_000);
});

describe("an endpoint registered by two members", () => {
  it("stays the first one's: the second registration answers the same and moves nothing, so the second member's pushes never reach it", async () => {
    const { ann, bob } = await twoMembers();
    const annBrowser = await pushService();
    const bobBrowser = await pushService();
    try {
      expect(await registerPush(ann, annBrowser.subscription)).toEqual(REGISTERED);
      // Bob registers Ann's endpoint with keys of his own: the same answer as his own endpoint gets.
      expect(await registerPush(bob, { endpoint: annBrowser.subscription.endpoint, ...browser().keys })).toEqual(REGISTERED);
      expect(await registerPush(bob, bobBrowser.subscription)).toEqual(REGISTERED);

      await send(bob, ann.id, 1);
      const toAnn = await untilPushed(annBrowser, (r) => r.payload !== null, "to Ann, with her keys");
      expect(toAnn.payload?.kind).toBe("CREDITS_RECEIVED");

      await send(ann, bob.id, 1);
      const toBob = await untilPushed(bobBrowser, (r) => r.payload?.kind === "CREDITS_RECEIVED", "to Bob's own browser");
      await untilNoJobFor(db, bob.id, null, 90_000);
      expect(annBrowser.received.filter((r) => r.payload === null || r.payload.id === toBob.payload?.id)).toEqual([]);
      expect(await endpointsOf(ann)).toEqual([annBrowser.subscription.endpoint]);
      expect(await endpointsOf(bob)).toEqual([bobBrowser.subscription.endpoint]);
    } finally {
      await Promise.all([annBrowser.close(), bobBrowser.close()]);
    }
  }, 120_000); // its waits end when jobs give up on tarpits: longer on a slow machine
});

describe("unregistering a push endpoint", () => {
  it("answers the same whether its push service said 404 or 201, and for an endpoint never registered; pushes to it stop", async () => {
    const { ann, bob } = await twoMembers();
    const forgotten = await pushService(() => 404);
    const working = await pushService(() => 201);
    const control = await pushService(() => 201);
    try {
      for (const service of [forgotten, working, control]) expect((await registerPush(bob, service.subscription)).errors).toBeUndefined();
      await send(ann, bob.id, 1);
      await untilPushed(forgotten, (r) => r.payload?.kind === "CREDITS_RECEIVED", "to the endpoint that answers 404");
      await untilPushed(working, (r) => r.payload?.kind === "CREDITS_RECEIVED", "to the endpoint that answers 201");
      await untilNoJobFor(db, bob.id, null, 90_000);

      const answers = await Promise.all([
        unregisterPush(bob, forgotten.subscription.endpoint),
        unregisterPush(bob, working.subscription.endpoint),
        unregisterPush(bob, `${working.subscription.endpoint}-never-registered`),
      ]);
      for (const answer of answers) expect(answer).toEqual({ status: 200, data: { unregisterPushSubscription: true } });

      // The positive control: unregistering took effect, and pushes go on to what is left.
      const before = working.received.length;
      await send(ann, bob.id, 1);
      const credits = () => control.received.filter((r) => r.payload?.kind === "CREDITS_RECEIVED").length;
      await eventually(
        "the second push to the endpoint still registered",
        async () => credits(),
        (n) => n >= 2,
      );
      await untilNoJobFor(db, bob.id, null, 90_000);
      expect(working.received).toHaveLength(before);
      expect(await endpointsOf(bob)).toEqual([control.subscription.endpoint]);
    } finally {
      await Promise.all([forgotten.close(), working.close(), control.close()]);
    }
  }, 120_000);
});

describe("the connection to a push endpoint", () => {
  const vapid = { publicKey: DEV_VAPID_PUBLIC_KEY, privateKey: DEV_VAPID_PRIVATE_KEY, subject: "mailto:push-tests@localex.test" };
  const notification = { id: randomUUID(), kind: "PHOTO_READY" as const, message: "Your photo is ready.", createdAt: new Date(), tradeId: null };

  it("is refused where it is made when a listed name resolves to loopback, and the server hears nothing; with loopback allowed it is delivered", async () => {
    let connections = 0;
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on("end", () => res.writeHead(201).end());
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const endpoint = `http://localhost:${(server.address() as AddressInfo).port}/push/${randomUUID()}`;
    const { keys } = browser();
    // "localhost" is on the list, as a push service's name whose DNS now answers a private address would be.
    const guarded = new WebPushChannel({ ...vapid, allowPlainHttp: true, endpoints: { hosts: ["localhost"], allowLoopback: false } });
    const allowed = new WebPushChannel({ ...vapid, allowPlainHttp: true, endpoints: { hosts: ["localhost"], allowLoopback: true } });
    try {
      const failure = await guarded.send({ endpoint, keys }, notification).then(
        () => expect.unreachable(),
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(DeliveryFailed);
      expect((failure as DeliveryFailed).retryable).toBe(false);
      expect((failure as DeliveryFailed).message).toMatch(/loopback/);
      expect(connections).toBe(0);

      expect(await allowed.send({ endpoint, keys }, notification)).toEqual({ gone: false });
      expect(requests).toBe(1);
    } finally {
      await Promise.all([guarded.close(), allowed.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
