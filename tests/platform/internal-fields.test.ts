// Every internal (@inaccessible) field of every subgraph, sent straight to its subgraph: the
// gateway's validation never gets a say, so only requireService stands between a signed request
// and the field. Refused to a member, an admin and an anonymous client (signed as the gateway
// signs them) and to every service INTERNAL_FIELD_CALLERS does not name, with no effect; accepted
// from the ones it names and from operators' tools, which proves the request itself is right.
import { randomUUID } from "node:crypto";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { INTERNAL_FIELD_CALLERS, SUBGRAPH_NAMES, type InternalField, type ServiceName, type SubgraphName } from "@localex/common";
import { registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { askSubgraph, callerOf, internalSchema, signedAsService, signedByGateway, type InternalSchema } from "../harness/internal-calls.ts";
import { accountOf, fundedUser } from "../ledger/helpers.ts";
import { createListing } from "../listings/helpers.ts";
import { CREATE_UPLOAD } from "../media/helpers.ts";
import { listingStatus, proposed, tradeAs } from "../trades/helpers.ts";

const db = postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
afterAll(() => db.end());

interface World {
  member: TestUser;
  adminToken: string;
  /** Whose records and account the calls name, where a call names a member. */
  victim: TestUser;
}

interface Prepared {
  /** One operation whose only root field is the internal field. */
  query: string;
  variables?: Record<string, unknown>;
  /** The member whose request is refused, when the field has a party who would gain (default: World.member). */
  member?: TestUser;
  /** Reads what the field changes: as before after every refusal, `changed` after the first acceptance. */
  state?: () => Promise<unknown>;
  changed?: unknown;
  /** Checks each allowed caller's answer; `replay` for all but the first (internal mutations are idempotent). */
  answer: (value: unknown, replay: boolean) => void | Promise<void>;
}

type Case = (world: World) => Promise<Prepared>;

/** The root field an operation selects, as `Type.field`. */
function rootFieldOf(query: string): string {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const [selection, ...more] = operation?.selectionSet.selections ?? [];
  if (!operation || selection?.kind !== Kind.FIELD || more.length > 0) throw new Error(`not one root field: ${query}`);
  return `${operation.operation === "query" ? "Query" : "Mutation"}.${selection.name.value}`;
}

let served: InternalSchema;
let world: World;

beforeAll(async () => {
  // The list under test is what the run's subgraphs serve as @inaccessible, never a copy.
  served = await internalSchema();
  const [member, victim, admin] = await Promise.all([registerUser(), registerUser(), signInAdmin()]);
  world = { member, victim, adminToken: admin.token! };
}, 120_000);

const json = (value: unknown): unknown => {
  if (typeof value !== "string") throw new Error(`expected JSON text, got ${JSON.stringify(value)}`);
  return JSON.parse(value);
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Calls an internal field as `signer` to set a case up; fails on any error. */
async function asService(subgraph: SubgraphName, signer: ServiceName, query: string, variables: Record<string, unknown>): Promise<void> {
  const answer = await askSubgraph(subgraph, await signedAsService(subgraph, signer), query, variables);
  if (answer.errors.length > 0) throw new Error(`${subgraph}: ${JSON.stringify(answer.errors)}`);
}

/** A member's section of a data export: media gathers them. */
const exportSection =
  (name: string, field: string): Case =>
  async ({ victim }) => ({
    query: `query ($userId: ID!) { ${field}(userId: $userId) }`,
    variables: { userId: victim.id },
    answer: (value) => expect(json(value)).toMatchObject({ name }),
  });

/** An ACTIVE listing of a fresh owner; `reserved` also reserves it for a trade, as trades would. */
async function listingOf({ reserved = false } = {}) {
  const owner = await registerUser();
  const listing = await createListing(owner);
  const tradeId = randomUUID();
  const reserve = `mutation ($tradeId: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $tradeId, listingIds: $ids) { ok } }`;
  if (reserved) await asService("listings", "trades", reserve, { tradeId, ids: [listing.id] });
  return { owner, listingId: listing.id, tradeId, status: () => listingStatus(owner, listing.id) };
}

/** Moves a trade's reserved listings on; how many moved the first time, none on a replay. */
const moveReserved =
  (field: string, to: string): Case =>
  async () => {
    const { tradeId, status } = await listingOf({ reserved: true });
    return {
      query: `mutation ($t: ID!) { ${field}(tradeId: $t) }`,
      variables: { t: tradeId },
      state: status,
      changed: to,
      answer: (v, replay) => expect(v).toBe(replay ? 0 : 1),
    };
  };

/** A hold of `amount` from a fresh funded payer to a fresh funded payee, placed as trades would. */
async function heldEscrow(amount: number) {
  const [payer, payee] = await Promise.all([fundedUser(), fundedUser()]);
  const tradeId = randomUUID();
  const hold = { holdKey: `trade:${tradeId}:proposer`, tradeId, payerId: payer.id, payeeId: payee.id, amount };
  const place = `mutation ($holdKey: String!, $tradeId: ID!, $payerId: ID!, $payeeId: ID!, $amount: Int!) {
    placeHold(holdKey: $holdKey, tradeId: $tradeId, payerId: $payerId, payeeId: $payeeId, amount: $amount) { ok } }`;
  await asService("ledger", "trades", place, hold);
  return { payer, payee, holdKey: hold.holdKey, accounts: () => Promise.all([accountOf(payer), accountOf(payee)]) };
}

/** Whether trades holds the member as leaving (no trade can start with them). */
const departing = async (userId: string) => (await db`select 1 from trades.departures where user_id = ${userId}`).length > 0;

const mediaCount = async (ownerId: string, table: "media" | "jobs") =>
  (await db<{ n: number }[]>`select count(*)::int as n from ${db("media")}.${db(table)} where owner_id = ${ownerId}`)[0]!.n;

/** One example per internal field: the call, and what shows it passed or did nothing. */
const CASES: Record<InternalField, Case> = {
  "Query.exportIdentityRecords": exportSection("profile", "exportIdentityRecords"),
  "Query.memberRole": async ({ victim }) => ({
    query: `query ($userId: ID!) { memberRole(userId: $userId) }`,
    variables: { userId: victim.id },
    answer: (v) => expect(v).toBe("USER"),
  }),
  "Query.exportListingRecords": exportSection("listings", "exportListingRecords"),
  "Query.exportTradeRecords": exportSection("trades", "exportTradeRecords"),
  "Query.exportLedgerRecords": exportSection("ledger", "exportLedgerRecords"),
  "Query.ledgerStatement": async () => {
    const owner = await fundedUser(); // the welcome grant: one entry
    return {
      query: `query ($userId: ID!) { ledgerStatement(userId: $userId, first: 10) { rows { kind amount balanceAfter } nextCursor totals { count credited } } }`,
      variables: { userId: owner.id },
      answer: (v) => expect(v).toEqual({ rows: [{ kind: "welcome", amount: 100, balanceAfter: 100 }], nextCursor: null, totals: { count: 1, credited: 100 } }),
    };
  },

  "Query.tradeListingInfo": async () => {
    const { owner, listingId } = await listingOf();
    return {
      query: `query ($ids: [ID!]!) { tradeListingInfo(ids: $ids) { id ownerId status } }`,
      variables: { ids: [listingId] },
      answer: (v) => expect(v).toEqual([{ id: listingId, ownerId: owner.id, status: "ACTIVE" }]),
    };
  },
  "Query.listingDocuments": async () => {
    await listingOf(); // so there is one to read
    return { query: `{ listingDocuments(first: 1) { documents nextCursor } }`, answer: (v) => expect(v).toMatchObject({ documents: [expect.any(String)] }) };
  },
  "Query.unfindableListingIds": async () => {
    const [reserved, active] = await Promise.all([listingOf({ reserved: true }), listingOf()]);
    return {
      query: `query ($ids: [ID!]!) { unfindableListingIds(ids: $ids) }`,
      variables: { ids: [reserved.listingId, active.listingId, randomUUID()] },
      answer: (v) => expect(v).toEqual([reserved.listingId]),
    };
  },
  "Mutation.withdrawMemberListings": async () => {
    const { owner, status } = await listingOf();
    const query = `mutation ($userId: ID!) { withdrawMemberListings(userId: $userId) }`;
    return { query, variables: { userId: owner.id }, state: status, changed: "ARCHIVED", answer: (v, replay) => expect(v).toBe(replay ? 0 : 1) };
  },
  "Mutation.reserveListingsForTrade": async () => {
    const { listingId, tradeId, status } = await listingOf();
    return {
      query: `mutation ($t: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $t, listingIds: $ids) { ok unavailableListingIds } }`,
      variables: { t: tradeId, ids: [listingId] },
      state: status,
      changed: "RESERVED",
      answer: (v) => expect(v).toEqual({ ok: true, unavailableListingIds: [] }),
    };
  },
  "Mutation.releaseListingsForTrade": moveReserved("releaseListingsForTrade", "ACTIVE"),
  "Mutation.completeListingsForTrade": moveReserved("completeListingsForTrade", "TRADED"),
  "Mutation.handOverListingsForTrade": async () => {
    const { listingId, tradeId, status } = await listingOf({ reserved: true });
    return {
      query: `mutation ($t: ID!, $ids: [ID!]!) { handOverListingsForTrade(tradeId: $t, listingIds: $ids) { ok completed unavailableListingIds } }`,
      variables: { t: tradeId, ids: [listingId] },
      state: status,
      changed: "TRADED",
      answer: (v, replay) => expect(v).toEqual({ ok: true, completed: replay ? 0 : 1, unavailableListingIds: [] }),
    };
  },

  "Mutation.beginMemberDeparture": async () => {
    const leaver = await registerUser();
    return {
      query: `mutation ($userId: ID!) { beginMemberDeparture(userId: $userId) }`,
      variables: { userId: leaver.id },
      member: leaver,
      state: () => departing(leaver.id),
      changed: true,
      answer: (v) => expect(v).toEqual([]),
    };
  },
  "Mutation.abandonMemberDeparture": async () => {
    const leaver = await registerUser();
    await asService("trades", "identity", `mutation ($userId: ID!) { beginMemberDeparture(userId: $userId) }`, { userId: leaver.id });
    return {
      query: `mutation ($userId: ID!) { abandonMemberDeparture(userId: $userId) }`,
      variables: { userId: leaver.id },
      member: leaver,
      state: () => departing(leaver.id),
      changed: false,
      answer: (v, replay) => expect(v).toBe(!replay),
    };
  },
  "Mutation.closeMemberTrades": async () => {
    const [proposer, { owner, listingId }] = await Promise.all([fundedUser(), listingOf()]);
    const trade = await proposed(proposer, { recipientId: owner.id, requestedListingIds: [listingId], offeredCredits: 5 });
    return {
      query: `mutation ($userId: ID!) { closeMemberTrades(userId: $userId) }`,
      variables: { userId: proposer.id },
      member: proposer,
      state: async () => (await tradeAs(proposer, trade.id))?.status,
      changed: "CANCELLED",
      answer: (v, replay) => expect(v).toBe(replay ? 0 : 1),
    };
  },
  "Mutation.recoverTrades": async () => ({
    // Leases respected: it takes over only sagas whose driver is gone, never another test's.
    query: `mutation { recoverTrades(ignoreLeases: false) { recovered pending expired } }`,
    answer: (v) => expect(v).toEqual({ recovered: expect.any(Number), pending: expect.any(Number), expired: expect.any(Number) }),
  }),

  "Mutation.closeMemberAccount": async () => {
    const owner = await fundedUser(); // so the account exists
    const closed = async () => (await db<{ closed: boolean }[]>`select closed_at is not null as closed from ledger.accounts where id = ${owner.id}`)[0]?.closed;
    return {
      query: `mutation ($userId: ID!) { closeMemberAccount(userId: $userId) }`,
      variables: { userId: owner.id },
      state: closed,
      changed: true,
      answer: (v) => expect(v).toBe(true),
    };
  },
  // The escrow: a member who would gain (the payee settling, the payer releasing) is refused too.
  "Mutation.placeHold": async ({ member }) => {
    const payer = await fundedUser();
    const tradeId = randomUUID();
    return {
      query: `mutation ($k: String!, $t: ID!, $payer: ID!, $payee: ID!, $amount: Int!) {
        placeHold(holdKey: $k, tradeId: $t, payerId: $payer, payeeId: $payee, amount: $amount) { ok code status } }`,
      variables: { k: `trade:${tradeId}:proposer`, t: tradeId, payer: payer.id, payee: member.id, amount: 7 },
      state: () => accountOf(payer),
      changed: { balance: 100, held: 7, available: 93 },
      answer: (v) => expect(v).toEqual({ ok: true, code: null, status: "HELD" }),
    };
  },
  "Mutation.settleHold": async () => {
    const { payee, holdKey, accounts } = await heldEscrow(25);
    return {
      query: `mutation ($k: String!) { settleHold(holdKey: $k) { ok code status } }`,
      variables: { k: holdKey },
      member: payee,
      state: accounts,
      changed: [
        { balance: 75, held: 0, available: 75 },
        { balance: 125, held: 0, available: 125 },
      ],
      answer: (v) => expect(v).toEqual({ ok: true, code: null, status: "SETTLED" }),
    };
  },
  "Mutation.releaseHold": async () => {
    const { payer, holdKey, accounts } = await heldEscrow(60);
    return {
      query: `mutation ($k: String!) { releaseHold(holdKey: $k) { ok code status } }`,
      variables: { k: holdKey },
      member: payer,
      state: accounts,
      changed: [
        { balance: 100, held: 0, available: 100 },
        { balance: 100, held: 0, available: 100 },
      ],
      answer: (v) => expect(v).toEqual({ ok: true, code: null, status: "RELEASED" }),
    };
  },

  "Query.verificationDocuments": async ({ victim }) => ({
    query: `query ($userId: ID!, $ids: [ID!]!) { verificationDocuments(userId: $userId, ids: $ids) }`,
    variables: { userId: victim.id, ids: [randomUUID()] },
    answer: (v) => expect(v).toEqual([]),
  }),
  "Mutation.startDataExport": async () => {
    const owner = await registerUser();
    return {
      query: `mutation ($userId: ID!) { startDataExport(userId: $userId) }`,
      variables: { userId: owner.id },
      state: () => mediaCount(owner.id, "jobs"),
      changed: 1,
      answer: (v) => expect(v).toMatch(UUID),
    };
  },
  "Mutation.startLedgerStatement": async () => {
    const owner = await registerUser();
    return {
      query: `mutation ($userId: ID!, $to: DateTime!) { startLedgerStatement(userId: $userId, to: $to) }`,
      variables: { userId: owner.id, to: new Date().toISOString() },
      state: () => mediaCount(owner.id, "jobs"),
      changed: 1,
      answer: (v) => expect(v).toMatch(UUID),
    };
  },
  "Mutation.forgetMemberMedia": async () => {
    const owner = await registerUser();
    const input = { filename: "a.png", contentType: "image/png", byteSize: 100, purpose: "AVATAR" };
    await owner.client.data(CREATE_UPLOAD, { input }); // a pending upload: one media row
    return {
      query: `mutation ($userId: ID!) { forgetMemberMedia(userId: $userId) }`,
      variables: { userId: owner.id },
      state: () => mediaCount(owner.id, "media"),
      changed: 0,
      answer: (v, replay) => expect(v).toBe(replay ? 0 : 1),
    };
  },
  "Mutation.runMediaCleanup": async () => ({
    query: `mutation { runMediaCleanup { abandonedUploads failedMedia photosOfGoneListings strayBlobs } }`,
    answer: (v) =>
      expect(v).toEqual({
        abandonedUploads: expect.any(Number),
        failedMedia: expect.any(Number),
        photosOfGoneListings: expect.any(Number),
        strayBlobs: expect.any(Number),
      }),
  }),
};

describe("the internal fields under test", () => {
  it("are exactly the subgraphs' @inaccessible fields: each has its callers declared and a case here, and none is gone", () => {
    const fields = [...served.owners.keys()].sort();
    expect(fields.length).toBeGreaterThan(0);
    expect(Object.keys(INTERNAL_FIELD_CALLERS).sort(), "INTERNAL_FIELD_CALLERS (packages/common/src/internal-fields.ts)").toEqual(fields);
    expect(Object.keys(CASES).sort(), "CASES in this file").toEqual(fields);
    // An internal argument, input field or enum value would need a test of its own kind.
    expect(served.others).toEqual([]);
  });

  it("are signed for a real member and a real admin", async () => {
    expect(await callerOf(world.member.accessToken)).toMatchObject({ userId: world.member.id, role: "user" });
    expect(await callerOf(world.adminToken)).toMatchObject({ role: "admin" });
  });
});

describe.each(Object.keys(CASES) as InternalField[])("%s, sent straight to its subgraph", (field) => {
  const allowed: ServiceName[] = [...INTERNAL_FIELD_CALLERS[field], "operator"];
  const notAllowed = (["gateway", ...SUBGRAPH_NAMES] as const).filter((s) => !allowed.includes(s));

  it(`${field}: refused, with no effect, to a member, an admin, an anonymous client and the ${notAllowed.join(", ")} services; accepted from ${allowed.join(", ")}`, async () => {
    const owner = served.owners.get(field);
    if (!owner) throw new Error(`${field} is in no subgraph's schema: remove it from INTERNAL_FIELD_CALLERS and CASES`);
    const prepared = await CASES[field](world);
    expect(rootFieldOf(prepared.query)).toBe(field);
    const name = field.split(".")[1]!;
    const refused: [string, () => Promise<string>][] = [
      ["a member", () => signedByGateway(owner, (prepared.member ?? world.member).accessToken)],
      ["an admin", () => signedByGateway(owner, world.adminToken)],
      ["an anonymous client", () => signedByGateway(owner, null)],
      ...notAllowed.map((s): [string, () => Promise<string>] => [`the ${s} service`, () => signedAsService(owner, s)]),
    ];
    const before = await prepared.state?.();
    if (prepared.state) expect(before, "the accepted call must change what is watched").not.toEqual(prepared.changed);

    // Soft: one broken refusal still lets every other caller be tried, and shows what it did.
    for (const [who, sign] of refused) {
      const answer = await askSubgraph(owner, await sign(), prepared.query, prepared.variables);
      expect
        .soft(
          answer.errors.map((e) => [e.extensions?.code, e.message]),
          who,
        )
        .toEqual([["FORBIDDEN", `${field} is internal to LocalEx.`]]);
      expect.soft(answer.data?.[name] ?? null, `${who} was answered`).toBeNull();
      if (prepared.state) expect.soft(await prepared.state(), `${who}'s refused call changed it`).toEqual(before);
    }

    // Positive controls: the same request from the allowed callers passes authorization.
    for (const [i, signer] of allowed.entries()) {
      const answer = await askSubgraph(owner, await signedAsService(owner, signer), prepared.query, prepared.variables);
      expect(answer.errors, signer).toEqual([]);
      await prepared.answer(answer.data?.[name], i > 0);
      if (i === 0 && prepared.state) expect(await prepared.state(), `after ${signer}'s call`).toEqual(prepared.changed);
    }
  }, 90_000);
});
