import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import {
  ARCHIVE,
  asService,
  createListing,
  LISTING,
  newTradeId,
  PUBLISH,
  UPDATE,
  type Archived,
  type ListingById,
  type Published,
  type Updated,
} from "./helpers.ts";

const anonymous = new GatewayClient();
const RESERVE = `mutation ($t: ID!, $ids: [ID!]!) { reserveListingsForTrade(tradeId: $t, listingIds: $ids) { ok unavailableListingIds } }`;
const COMPLETE = `mutation ($t: ID!) { completeListingsForTrade(tradeId: $t) }`;
type Reserved = { reserveListingsForTrade: { ok: boolean; unavailableListingIds: string[] } };

describe("the status workflow", () => {
  it("publishes a draft, making it visible to everyone", async () => {
    const ann = await registerUser();
    const draft = await createListing(ann, {}, { draft: true });
    const { publishListing } = await ann.client.data<Published>(PUBLISH, { id: draft.id });
    expect(publishListing).toMatchObject({ errors: [], listing: { id: draft.id, status: "ACTIVE" } });
    expect((await anonymous.data<ListingById>(LISTING, { id: draft.id })).listing?.status).toBe("ACTIVE");
  });

  it("refuses to publish anything but a draft", async () => {
    const ann = await registerUser();
    const active = await createListing(ann);
    const again = await ann.client.data<Published>(PUBLISH, { id: active.id });
    expect(again.publishListing).toEqual({
      listing: null,
      errors: [{ code: "INVALID_TRANSITION", field: "id", message: expect.stringMatching(/ACTIVE/) }],
    });
    await ann.client.data<Archived>(ARCHIVE, { id: active.id });
    const archived = await ann.client.data<Published>(PUBLISH, { id: active.id });
    expect(archived.publishListing.errors[0]?.code).toBe("INVALID_TRANSITION");
  });

  it.each(["DRAFT", "ACTIVE"])("archives a %s listing", async (status) => {
    const ann = await registerUser();
    const listing = await createListing(ann, {}, { draft: status === "DRAFT" });
    const { archiveListing } = await ann.client.data<Archived>(ARCHIVE, { id: listing.id });
    expect(archiveListing).toMatchObject({ errors: [], listing: { status: "ARCHIVED" } });
  });

  it("refuses to archive a listing an accepted trade holds (RESERVED)", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    const { data } = await asService<Reserved>(RESERVE, { t: newTradeId(), ids: [listing.id] });
    expect(data?.reserveListingsForTrade.ok).toBe(true);
    const { archiveListing } = await ann.client.data<Archived>(ARCHIVE, { id: listing.id });
    expect(archiveListing).toEqual({ listing: null, errors: [{ code: "LISTING_LOCKED", field: "id", message: expect.stringMatching(/reserved/) }] });
    expect((await ann.client.data<ListingById>(LISTING, { id: listing.id })).listing?.status).toBe("RESERVED");
  });

  it("refuses to archive a traded or already archived listing", async () => {
    const ann = await registerUser();
    const traded = await createListing(ann);
    const trade = newTradeId();
    await asService<Reserved>(RESERVE, { t: trade, ids: [traded.id] });
    expect((await asService<{ completeListingsForTrade: number }>(COMPLETE, { t: trade })).data?.completeListingsForTrade).toBe(1);
    const res = await ann.client.data<Archived>(ARCHIVE, { id: traded.id });
    expect(res.archiveListing.errors).toEqual([{ code: "INVALID_TRANSITION", field: "id", message: expect.stringMatching(/TRADED/) }]);

    const archived = await createListing(ann);
    await ann.client.data<Archived>(ARCHIVE, { id: archived.id });
    expect((await ann.client.data<Archived>(ARCHIVE, { id: archived.id })).archiveListing.errors[0]?.code).toBe("INVALID_TRANSITION");
  });

  it("refuses to edit a listing a trade holds or took", async () => {
    const ann = await registerUser();
    const listing = await createListing(ann);
    await asService<Reserved>(RESERVE, { t: newTradeId(), ids: [listing.id] });
    const { updateListing } = await ann.client.data<Updated>(UPDATE, { id: listing.id, input: { title: "Changed" } });
    expect(updateListing.errors).toEqual([{ code: "LISTING_LOCKED", field: "id", message: expect.stringMatching(/reserved/) }]);
  });

  it("lets only the owner publish or archive", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const active = await createListing(ann);
    const draft = await createListing(ann, {}, { draft: true });
    expect((await bob.client.data<Archived>(ARCHIVE, { id: active.id })).archiveListing.errors[0]).toMatchObject({ code: "FORBIDDEN", field: "id" });
    expect((await bob.client.data<Published>(PUBLISH, { id: draft.id })).publishListing.errors[0]).toMatchObject({ code: "NOT_FOUND" });
    expect((await bob.client.data<Archived>(ARCHIVE, { id: draft.id })).archiveListing.errors[0]).toMatchObject({ code: "NOT_FOUND" });
    expect((await anonymous.request(PUBLISH, { id: draft.id })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await ann.client.data<ListingById>(LISTING, { id: active.id })).listing?.status).toBe("ACTIVE");
    expect((await ann.client.data<ListingById>(LISTING, { id: draft.id })).listing?.status).toBe("DRAFT");
  });

  it("publishes a draft once when two publishes race", async () => {
    const ann = await registerUser();
    const draft = await createListing(ann, {}, { draft: true });
    const results = await Promise.all([1, 2, 3].map(() => ann.client.data<Published>(PUBLISH, { id: draft.id })));
    const outcomes = results.map((r) => r.publishListing.errors[0]?.code ?? "OK").sort();
    expect(outcomes).toEqual(["INVALID_TRANSITION", "INVALID_TRANSITION", "OK"]);
  });
});
