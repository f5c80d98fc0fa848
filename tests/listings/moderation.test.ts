// Takedowns and suspended members' listings (issue 23; docs/listings.md#moderation). identity's
// side (resolveReport, suspendMember, reinstateMember) only enqueues listings' two jobs, so these
// tests enqueue them as identity would, and check what members, admins and search then see.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TASKS } from "@localex/common";
import { GatewayClient, registerUser, signInAdmin, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { untilNoJobFor } from "../harness/jobs.ts";
import { createListing, database, UPDATE, PUBLISH, type Published, type Updated } from "./helpers.ts";
import { setSuspended, takeDown } from "./moderation-helpers.ts";
import { inboxMessages } from "../harness/inbox.ts";

const FIELDS = `id title status updatedAt moderation { state hiddenAt reason ownerSuspended reportId }`;
const LISTING = `query ($id: ID!) { listing(id: $id) { ${FIELDS} } }`;
const RESTORE = `mutation ($id: ID!) { restoreListing(id: $id) { listing { ${FIELDS} } errors { code message field } } }`;
const SEARCH = `query ($q: String) { search(query: $q, first: 20) { totalCount edges { node { id similar(first: 5) { id } } } } }`;
const MEMBER_LISTINGS = `query ($id: ID!) { user(id: $id) { listings(first: 50) { totalCount edges { node { id } } } } }`;

type Moderation = { state: string; hiddenAt: string; reason: string | null; ownerSuspended: boolean; reportId: string | null };
type ModeratedListing = { id: string; title: string; status: string; updatedAt: string; moderation: Moderation | null };
type Restored = { restoreListing: { listing: ModeratedListing | null; errors: { code: string; message: string; field: string | null }[] } };

function uniqueWord(): string {
  const letters = "bcdfghjklmnpqrstvwxz";
  return `zm${Array.from({ length: 8 }, () => letters[Math.floor(Math.random() * letters.length)]).join("")}`;
}

async function listingAs(client: GatewayClient, id: string): Promise<ModeratedListing | null> {
  return (await client.data<{ listing: ModeratedListing | null }>(LISTING, { id })).listing;
}

async function memberListingIds(client: GatewayClient, ownerId: string): Promise<string[]> {
  const { user } = await client.data<{ user: { listings: { edges: { node: { id: string } }[] } } }>(MEMBER_LISTINGS, { id: ownerId });
  return user.listings.edges.map((e) => e.node.id);
}

async function searchIds(client: GatewayClient, word: string): Promise<string[]> {
  const { search } = await client.data<{ search: { edges: { node: { id: string } }[] } }>(SEARCH, { q: word });
  return search.edges.map((e) => e.node.id).sort();
}

/** Search trails listings by one job: polls until it answers exactly these ids. */
async function untilSearchFinds(client: GatewayClient, word: string, expected: string[]): Promise<void> {
  await eventually(
    `search for ${word}`,
    () => searchIds(client, word),
    (ids) => JSON.stringify(ids) === JSON.stringify([...expected].sort()),
  );
}

async function inbox(user: TestUser, kind: string): Promise<string[]> {
  await untilNoJobFor(database(), user.id, TASKS.notify);
  return inboxMessages(user, kind);
}

describe("listing moderation", () => {
  it("a takedown, as identity's resolveReport job would enqueue it, hides the listing from everyone but its owner (who sees why) and admins", async () => {
    const [owner, other] = await Promise.all([registerUser(), registerUser()]);
    const admin = await signInAdmin();
    const anonymous = new GatewayClient();
    const word = uniqueWord();
    const listing = await createListing(owner, { title: `${word} brass lamp` });
    const sibling = await createListing(owner, { title: `${word} brass lamp shade` });

    // Control: before the takedown everyone finds both, and the owner may edit.
    await untilSearchFinds(other.client, word, [listing.id, sibling.id]);
    expect((await listingAs(other.client, listing.id))?.moderation).toBeNull();
    expect(await listingAs(anonymous, listing.id)).not.toBeNull();
    expect(await memberListingIds(other.client, owner.id)).toContain(listing.id);
    const edited = await owner.client.data<Updated>(UPDATE, { id: listing.id, input: { description: "Polished." } });
    expect(edited.updateListing.errors).toEqual([]);

    const reportId = randomUUID();
    await takeDown(listing.id, "Counterfeit brand", reportId);

    // Others: gone from listing(id), the owner's list and search (and from the sibling's similar listings).
    expect(await listingAs(other.client, listing.id)).toBeNull();
    expect(await listingAs(anonymous, listing.id)).toBeNull();
    expect(await memberListingIds(other.client, owner.id)).toEqual([sibling.id]);
    await untilSearchFinds(other.client, word, [sibling.id]);
    const { search } = await other.client.data<{ search: { edges: { node: { id: string; similar: { id: string }[] } }[] } }>(SEARCH, { q: word });
    expect(search.edges.flatMap((e) => e.node.similar.map((s) => s.id))).not.toContain(listing.id);

    // The owner still has it, with the reason (not the report); an admin sees the report too.
    const asOwner = await listingAs(owner.client, listing.id);
    expect(asOwner).toMatchObject({
      status: "ACTIVE",
      moderation: { state: "TAKEN_DOWN", reason: "Counterfeit brand", ownerSuspended: false, reportId: null },
    });
    expect(await memberListingIds(owner.client, owner.id)).toContain(listing.id);
    expect((await listingAs(admin, listing.id))?.moderation).toMatchObject({ state: "TAKEN_DOWN", reportId });
    const told = await inbox(owner, "LISTING_HIDDEN");
    expect(told).toHaveLength(1);
    expect(told[0]).toContain("Counterfeit brand");

    // Editing or publishing it is refused as data; nothing changes.
    const refusedEdit = await owner.client.data<Updated>(UPDATE, { id: listing.id, input: { title: "Genuine lamp" } });
    expect(refusedEdit.updateListing).toMatchObject({ listing: null, errors: [{ code: "LISTING_TAKEN_DOWN", field: "id" }] });
    const refusedPublish = await owner.client.data<Published>(PUBLISH, { id: listing.id });
    expect(refusedPublish.publishListing.errors).toMatchObject([{ code: "LISTING_TAKEN_DOWN", field: "id" }]);

    // The job run again (a retry, another report) changes nothing more and tells the owner nothing more.
    await takeDown(listing.id, "Another reason", randomUUID());
    const again = await listingAs(owner.client, listing.id);
    expect(again).toEqual(asOwner);
    expect(await inbox(owner, "LISTING_HIDDEN")).toHaveLength(1);
  });

  it("restoreListing: admins only; lifts the takedown, so the listing is found again and its owner told", async () => {
    const [owner, other] = await Promise.all([registerUser(), registerUser()]);
    const admin = await signInAdmin();
    const word = uniqueWord();
    const listing = await createListing(owner, { title: `${word} walnut stool` });
    await untilSearchFinds(other.client, word, [listing.id]);
    await takeDown(listing.id, "Wrong category", null);
    await untilSearchFinds(other.client, word, []);

    // Not by the owner or another member (the stored role is asked).
    for (const member of [owner, other]) {
      const refused = await member.client.request<Restored>(RESTORE, { id: listing.id });
      expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    expect((await listingAs(owner.client, listing.id))?.moderation?.state).toBe("TAKEN_DOWN");
    const unknown = await admin.data<Restored>(RESTORE, { id: randomUUID() });
    expect(unknown.restoreListing.errors).toMatchObject([{ code: "NOT_FOUND", field: "id" }]);

    const restored = await admin.data<Restored>(RESTORE, { id: listing.id });
    expect(restored.restoreListing).toMatchObject({ errors: [], listing: { id: listing.id, status: "ACTIVE", moderation: null } });
    expect(await listingAs(other.client, listing.id)).toMatchObject({ id: listing.id, moderation: null });
    await untilSearchFinds(other.client, word, [listing.id]);
    expect(await inbox(owner, "LISTING_RESTORED")).toHaveLength(1);

    // Restoring again answers it unchanged and tells nobody again; the owner may edit once more.
    const twice = await admin.data<Restored>(RESTORE, { id: listing.id });
    expect(twice.restoreListing.listing?.updatedAt).toBe(restored.restoreListing.listing?.updatedAt);
    expect(await inbox(owner, "LISTING_RESTORED")).toHaveLength(1);
    const edited = await owner.client.data<Updated>(UPDATE, { id: listing.id, input: { title: `${word} walnut stool, restored` } });
    expect(edited.updateListing.errors).toEqual([]);
  });

  it("a suspension, as identity's suspension job would enqueue it, hides every listing of the member; reinstatement shows only what it hid", async () => {
    const [owner, other] = await Promise.all([registerUser(), registerUser()]);
    const word = uniqueWord();
    const [kept, takenDown] = await Promise.all([
      createListing(owner, { title: `${word} pine bench` }),
      createListing(owner, { title: `${word} pine bench cushion` }),
    ]);
    await takeDown(takenDown.id, "Not an item");
    // Control: before the suspension the other listing is found.
    await untilSearchFinds(other.client, word, [kept.id]);
    expect(await memberListingIds(other.client, owner.id)).toEqual([kept.id]);

    await setSuspended(owner.id, true);
    expect(await listingAs(other.client, kept.id)).toBeNull();
    expect(await memberListingIds(other.client, owner.id)).toEqual([]);
    await untilSearchFinds(other.client, word, []);
    expect((await listingAs(owner.client, kept.id))?.moderation).toMatchObject({ state: "OWNER_SUSPENDED", reason: null, ownerSuspended: true });
    // Both reasons held: the takedown is told, since it outlasts the suspension.
    expect((await listingAs(owner.client, takenDown.id))?.moderation).toMatchObject({ state: "TAKEN_DOWN", ownerSuspended: true });
    const suspendedOnce = await listingAs(owner.client, kept.id);
    await setSuspended(owner.id, true);
    expect(await listingAs(owner.client, kept.id)).toEqual(suspendedOnce);
    // A listing the member creates while suspended is hidden from the start.
    const during = await createListing(owner, { title: `${word} pine stool` });
    expect(await listingAs(other.client, during.id)).toBeNull();
    expect((await listingAs(owner.client, during.id))?.moderation).toMatchObject({ state: "OWNER_SUSPENDED" });

    await setSuspended(owner.id, false);
    expect(await listingAs(other.client, kept.id)).toMatchObject({ id: kept.id, moderation: null });
    expect(await listingAs(other.client, during.id)).toMatchObject({ id: during.id, moderation: null });
    await untilSearchFinds(other.client, word, [kept.id, during.id]);
    expect((await memberListingIds(other.client, owner.id)).sort()).toEqual([kept.id, during.id].sort());
    // The taken-down listing stays down after the owner's reinstatement.
    expect(await listingAs(other.client, takenDown.id)).toBeNull();
    expect((await listingAs(owner.client, takenDown.id))?.moderation).toMatchObject({ state: "TAKEN_DOWN", ownerSuspended: false });
    const reinstatedOnce = await listingAs(owner.client, kept.id);
    await setSuspended(owner.id, false);
    expect(await listingAs(owner.client, kept.id)).toEqual(reinstatedOnce);
  });
});
