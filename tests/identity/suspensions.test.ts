// Suspending members (issue 23), through the gateway: admins only; the member's sessions end at
// once; signed in again they read why and until when, and are refused (as data) what starts
// something new (a listing, a trade, a transfer) until reinstated or until the end passes; the other
// party of their open trades still cancels them; members lookup leaves them out but for admins.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser, setAdminRole, signInAdmin, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { grantedUser, transfer } from "../ledger/helpers.ts";
import { CREATE, database, listingInput, PUBLISH, UPDATE, type Created } from "../listings/helpers.ts";
import { ACCEPT, CANCEL, COUNTER, createListing, mutate, propose } from "../trades/helpers.ts";
import { inboxMessages as inbox } from "../harness/inbox.ts";

const SUSPEND = `mutation ($id: ID!, $reason: String!, $until: DateTime) { suspendMember(userId: $id, reason: $reason, until: $until) {
  user { id } suspension { reason until createdAt liftedAt } errors { code message field } } }`;
const REINSTATE = `mutation ($id: ID!) { reinstateMember(userId: $id) { user { id } suspension { reason liftedAt } errors { code message field } } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken user { id suspension { reason until } } } }`;
const ME = `{ me { id suspension { reason until } } }`;
const LOOKUP = `query ($q: String!) { members(query: $q, first: 10) { edges { node { id } } } }`;

const LISTING = `query ($id: ID!) { listing(id: $id) { id } }`;
type Errors = { code: string; message: string; field: string | null }[];
type Suspended = { suspension: { reason: string; until: string | null } | null; errors: Errors };
type Me = { me: { id: string; suspension: { reason: string; until: string | null } | null } };

const anonymous = new GatewayClient();

async function suspend(admin: GatewayClient, id: string, reason: string, until?: Date | null): Promise<Suspended> {
  const { suspendMember } = await admin.data<{ suspendMember: Suspended }>(SUSPEND, { id, reason, until: until?.toISOString() ?? null });
  return suspendMember;
}

async function reinstate(admin: GatewayClient, id: string): Promise<Suspended> {
  return (await admin.data<{ reinstateMember: Suspended }>(REINSTATE, { id })).reinstateMember;
}

/** A fresh session: its token carries the suspension as stored now. */
async function signIn(user: TestUser): Promise<TestUser> {
  const { login } = await anonymous.data<{ login: { accessToken: string } }>(LOGIN, { input: { email: user.email, password: user.password } });
  return { ...user, accessToken: login.accessToken, client: anonymous.withToken(login.accessToken) };
}

async function createListingAs(user: TestUser): Promise<Created["createListing"]> {
  return (await user.client.data<Created>(CREATE, { input: await listingInput() })).createListing;
}

/** listings' hide/show jobs for the member still waiting (those due now run at once: what waits is the showing at a suspension's end). */
async function suspensionJobs(userId: string): Promise<{ suspended: boolean; runAt: Date }[]> {
  const rows = await database()<{ payload: { suspended: boolean }; run_at: Date }[]>`
    select j.payload, j.run_at from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'listings:member-suspension' and j.payload->>'userId' = ${userId} and j.run_at > now() + interval '1 minute'
    order by j.run_at, j.id`;
  return rows.map((r) => ({ suspended: r.payload.suspended, runAt: new Date(r.run_at) }));
}

describe("who may suspend", () => {
  it("members are refused the admin fields; admins are refused a blank reason, a past end, nobody, themselves and admins", async () => {
    const admin = await signInAdmin();
    const ann = await registerUser({ verify: false });
    const bob = await registerUser({ verify: false });
    const asMember = await ann.client.request(SUSPEND, { id: bob.id, reason: "spam" });
    expect(asMember.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await ann.client.request(REINSTATE, { id: bob.id })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    expect((await suspend(admin, bob.id, "   ")).errors).toMatchObject([{ code: "INVALID_INPUT", field: "reason" }]);
    expect((await suspend(admin, bob.id, "spam", new Date(Date.now() - 60_000))).errors).toMatchObject([{ code: "INVALID_INPUT", field: "until" }]);
    expect((await suspend(admin, randomUUID(), "spam")).errors).toMatchObject([{ code: "NOT_FOUND", field: "userId" }]);
    const { me } = await admin.data<{ me: { id: string } }>(`{ me { id } }`);
    expect((await suspend(admin, me.id, "spam")).errors).toMatchObject([{ code: "CANNOT_SUSPEND", field: "userId" }]);
    const otherAdmin = await registerUser({ verify: false });
    await setAdminRole(otherAdmin.email, true);
    expect((await suspend(admin, otherAdmin.id, "spam")).errors).toMatchObject([{ code: "CANNOT_SUSPEND", field: "userId" }]);
    expect((await reinstate(admin, bob.id)).errors).toMatchObject([{ code: "NOT_SUSPENDED", field: "userId" }]);

    // The same admin, the same member: accepted.
    const done = await suspend(admin, bob.id, "spam");
    expect(done.errors).toEqual([]);
    expect(done.suspension).toMatchObject({ reason: "spam", until: null });
    expect((await reinstate(admin, bob.id)).errors).toEqual([]);
    await setAdminRole(otherAdmin.email, false);
  }, 60_000);
});

describe("a suspended member", () => {
  it("is signed out at once, reads why and until when, is refused listing, trading and sending credits, and is back after reinstatement", async () => {
    const admin = await signInAdmin();
    const name = `Suspendee ${randomUUID().slice(0, 8)}`;
    const ann = await grantedUser(50);
    const handle = `suspendee_${randomUUID().slice(0, 8)}`;
    const profile = await ann.client.data<{ updateProfile: { errors: unknown[] } }>(
      `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { code } } }`,
      { input: { displayName: name, handle } },
    );
    expect(profile.updateProfile.errors).toEqual([]);
    const byHandle = async (client: GatewayClient) =>
      (await client.data<{ userByHandle: { id: string } | null }>(`query ($h: String!) { userByHandle(handle: $h) { id } }`, { h: handle })).userByHandle?.id ??
      null;
    const bob = await registerUser({ verify: false });
    const bobsListing = await createListing(bob);
    // Bob's open proposal to Ann: he can still cancel it while she is suspended.
    const open = await propose(bob, { recipientId: ann.id, offeredCredits: 0, requestedListingIds: [], offeredListingIds: [bobsListing.id] });
    expect(open.errors).toEqual([]);
    // Before: Ann is found and lists.
    const found = async (client: GatewayClient) =>
      (await client.data<{ members: { edges: { node: { id: string } }[] } }>(LOOKUP, { q: name })).members.edges.map((e) => e.node.id);
    expect(await found(bob.client)).toContain(ann.id);
    expect(await byHandle(bob.client)).toBe(ann.id);
    expect((await createListingAs(ann)).errors).toEqual([]);
    const annsListing = await createListing(ann);
    const draft = (await createListingAs(ann)).listing!;
    // A second proposal of Bob's, for Ann to answer: refused while she is suspended, accepted after.
    const toAnswer = await propose(bob, {
      recipientId: ann.id,
      offeredCredits: 0,
      requestedListingIds: [],
      offeredListingIds: [(await createListing(bob)).id],
    });
    expect(toAnswer.errors).toEqual([]);
    const seenByBob = async () => (await bob.client.data<{ listing: { id: string } | null }>(LISTING, { id: annsListing.id })).listing;
    expect(await seenByBob()).not.toBeNull();

    const until = new Date(Date.now() + 3_600_000);
    const suspended = await suspend(admin, ann.id, "Selling counterfeit goods", until);
    expect(suspended.errors).toEqual([]);
    expect(new Date(suspended.suspension!.until!).getTime()).toBe(until.getTime());

    // Her old token is refused right away: every session ended.
    const stale = await ann.client.request(ME);
    expect(stale.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    // Signed in again, she reads why and until when (never who).
    const again = await signIn(ann);
    const { me } = await again.client.data<Me>(ME);
    expect(me.suspension).toEqual({ reason: "Selling counterfeit goods", until: until.toISOString() });

    // Refused, as data, naming the end.
    const listing = await createListingAs(again);
    expect(listing.errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    expect(listing.errors[0]!.message).toContain(until.toISOString().slice(0, 16));
    expect((await propose(again, { recipientId: bob.id, offeredCredits: 1 })).errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    expect((await transfer(again, bob.id, 1)).errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    expect((await mutate(again, ACCEPT, { id: toAnswer.trade!.id, key: randomUUID() })).errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    expect((await mutate(again, COUNTER, { id: toAnswer.trade!.id, input: { offeredCredits: 1 } })).errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    const edit = { id: annsListing.id, input: { description: "Still here." } };
    expect((await again.client.data<{ updateListing: { errors: unknown[] } }>(UPDATE, edit)).updateListing.errors).toMatchObject([
      { code: "MEMBER_SUSPENDED" },
    ]);
    expect((await again.client.data<{ publishListing: { errors: unknown[] } }>(PUBLISH, { id: draft.id })).publishListing.errors).toMatchObject([
      { code: "MEMBER_SUSPENDED" },
    ]);
    // The other party of her open trade can still cancel it.
    expect((await mutate(bob, CANCEL, { id: open.trade!.id })).errors).toEqual([]);

    // Told why and until when; never who.
    const told = await eventually(
      "the suspension notice",
      () => inbox(again, "MEMBER_SUSPENDED"),
      (m) => m.length === 1,
    );
    expect(told[0]).toContain("Selling counterfeit goods");
    expect(told[0]).toContain(until.toISOString());
    expect(told[0]).not.toMatch(/admin@localex\.test|Admin\b/);

    // listings hides her listings now (its job, through the graph), and shows them again at the end.
    await eventually("Ann's listing hidden from Bob", seenByBob, (l) => l === null);
    const jobs = await suspensionJobs(ann.id);
    expect(jobs.map((j) => j.suspended)).toEqual([false]);
    expect(jobs[0]!.runAt.getTime()).toBe(until.getTime());

    // Members do not find her; admins do.
    expect(await found(bob.client)).not.toContain(ann.id);
    expect(await found(admin)).toContain(ann.id);
    expect(await byHandle(bob.client)).toBeNull();
    expect(await byHandle(anonymous)).toBeNull();
    expect(await byHandle(admin)).toBe(ann.id);
    expect(await byHandle(again.client)).toBe(ann.id);

    // Reinstated: her session ends again, and a new one lists, trades and sends credits.
    expect((await reinstate(admin, ann.id)).errors).toEqual([]);
    expect((await again.client.request(ME)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const back = await signIn(ann);
    expect((await back.client.data<Me>(ME)).me.suspension).toBeNull();
    expect((await createListingAs(back)).errors).toEqual([]);
    expect((await propose(back, { recipientId: bob.id, offeredCredits: 1 })).errors).toEqual([]);
    expect((await transfer(back, bob.id, 1)).errors).toEqual([]);
    expect((await back.client.data<{ updateListing: { errors: unknown[] } }>(UPDATE, edit)).updateListing.errors).toEqual([]);
    expect((await back.client.data<{ publishListing: { errors: unknown[] } }>(PUBLISH, { id: draft.id })).publishListing.errors).toEqual([]);
    expect((await mutate(back, ACCEPT, { id: toAnswer.trade!.id, key: randomUUID() })).errors).toEqual([]);
    expect(await found(bob.client)).toContain(ann.id);
    expect(await byHandle(bob.client)).toBe(ann.id);
    await eventually(
      "the reinstatement notice",
      () => inbox(back, "MEMBER_REINSTATED"),
      (m) => m.length === 1,
    );
    // The scheduled showing is gone; her listings are shown now instead.
    await eventually("Ann's listing shown to Bob again", seenByBob, (l) => l?.id === annsListing.id);
    expect(await suspensionJobs(ann.id)).toEqual([]);
    expect((await reinstate(admin, ann.id)).errors).toMatchObject([{ code: "NOT_SUSPENDED" }]);
  }, 90_000);

  it("with an end is suspended until then, and not after, on the same token, and is told when it ends", async () => {
    const admin = await signInAdmin();
    const carl = await registerUser({ verify: false });
    const until = new Date(Date.now() + 4_000);
    expect((await suspend(admin, carl.id, "Cooling off", until)).errors).toEqual([]);
    const session = await signIn(carl);
    expect((await createListingAs(session)).errors).toMatchObject([{ code: "MEMBER_SUSPENDED" }]);
    // The same token, once the end has passed (the token holds it in whole seconds, rounded up):
    // a refused createListing stores nothing, so asking again until one is accepted is safe.
    await eventually(
      "the suspension to lapse on the token",
      () => createListingAs(session),
      (created) => created.errors.length === 0,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(until.getTime());
    expect((await session.client.data<Me>(ME)).me.suspension).toBeNull();
    // Told it is over, once, though nobody acted (the notice was scheduled with the suspension).
    const told = await eventually(
      "the end-of-suspension notice",
      () => inbox(session, "MEMBER_REINSTATED"),
      (m) => m.length > 0,
    );
    expect(told).toHaveLength(1);
  }, 60_000);
});
