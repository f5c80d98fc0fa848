import { describe, expect, it } from "vitest";
import { GatewayClient, registerUser } from "../harness/client.ts";
import { categories, category, CREATE, createListing, LISTING, listingInput, UPDATE, type Created, type ListingById, type Updated } from "./helpers.ts";

const anonymous = new GatewayClient();

describe("categories", () => {
  it("lists the seeded categories, each with the attribute keys it allows", async () => {
    const all = await categories();
    expect(all.map((c) => c.slug)).toEqual(["furniture", "electronics", "books", "clothing", "kids", "garden", "tools", "sports", "kitchen", "other"]);
    expect(all.find((c) => c.slug === "clothing")).toMatchObject({ name: "Clothing", allowedAttributes: expect.arrayContaining(["size"]) });
  });
});

describe("createListing", () => {
  it("creates a draft owned by the caller, resolving category and owner across subgraphs", async () => {
    const ann = await registerUser({ displayName: "Ann" });
    const input = await listingInput({
      title: "  Oak   dining table ",
      description: "Seats six.\r\nA few scratches.",
      attributes: [
        { key: "material", value: "oak" },
        { key: "color", value: " brown " },
      ],
    });
    const { createListing } = await ann.client.data<Created>(CREATE, { input });
    expect(createListing.errors).toEqual([]);
    expect(createListing.listing).toMatchObject({
      title: "Oak dining table",
      description: "Seats six.\nA few scratches.",
      status: "DRAFT",
      condition: "GOOD",
      creditPrice: 40,
      location: { lat: 52.37, lon: 4.9 },
      category: { slug: "furniture", name: "Furniture" },
      attributes: [
        { key: "color", value: "brown" },
        { key: "material", value: "oak" },
      ],
      owner: { id: ann.id },
    });

    const { listing } = await ann.client.data<{ listing: { id: string; owner: { id: string; displayName: string } } }>(
      `query ($id: ID!) { listing(id: $id) { id owner { id displayName } } }`,
      { id: createListing.listing!.id },
    );
    expect(listing.owner).toEqual({ id: ann.id, displayName: "Ann" });
  });

  it("accepts a listing without price, location or attributes", async () => {
    const ann = await registerUser();
    const input = await listingInput({ creditPrice: null, location: null, attributes: undefined });
    const { createListing } = await ann.client.data<Created>(CREATE, { input });
    expect(createListing.listing).toMatchObject({ creditPrice: null, location: null, attributes: [] });
  });

  it("needs a signed-in user", async () => {
    const res = await anonymous.request(CREATE, { input: await listingInput() });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it.each([
    ["an empty title", { title: "   " }, "input.title", /empty/],
    ["an over-long title", { title: "x".repeat(121) }, "input.title", /at most 120/],
    ["an over-long description", { description: "x".repeat(5001) }, "input.description", /at most 5000/],
    ["a negative price", { creditPrice: -1 }, "input.creditPrice", /0 to/],
    ["an absurd price", { creditPrice: 1_000_001 }, "input.creditPrice", /0 to/],
    ["an unknown category", { categoryId: "0c5e0001-0000-4000-8000-0000000000ff" }, "input.categoryId", /Unknown category/],
    ["a category id that is not an id", { categoryId: "'; drop table listings.listings; --" }, "input.categoryId", /Unknown/],
    ["a latitude beyond the pole", { location: { lat: 90.5, lon: 0 } }, "input.location.lat", /-90 and 90/],
    ["a longitude beyond the antimeridian", { location: { lat: 0, lon: -180.01 } }, "input.location.lon", /-180 and 180/],
    ["an attribute the category does not allow", { attributes: [{ key: "isbn", value: "123" }] }, "input.attributes.0.key", /allows/],
    [
      "an attribute given twice",
      {
        attributes: [
          { key: "color", value: "a" },
          { key: "color", value: "b" },
        ],
      },
      "input.attributes.1.key",
      /twice/,
    ],
    ["an empty attribute value", { attributes: [{ key: "color", value: " " }] }, "input.attributes.0.value", /1 to 200/],
    ["control characters in the title", { title: "Table\u0000" }, "input.title", /control/],
    ["a bidirectional override in the title", { title: "Table \u202egnp.exe" }, "input.title", /control/],
    ["control characters in the description", { description: "Nice\u0007 table" }, "input.description", /control/],
  ])("refuses %s as data, naming the field", async (_case, override, field, message) => {
    const ann = await registerUser();
    const { createListing } = await ann.client.data<Created>(CREATE, { input: await listingInput(override) });
    expect(createListing.listing).toBeNull();
    expect(createListing.errors).toEqual([{ code: "INVALID_INPUT", field, message: expect.stringMatching(message) }]);
    const { listings } = await ann.client.data<{ listings: { totalCount: number } }>(`query ($o: ID) { listings(filter: { ownerId: $o }) { totalCount } }`, {
      o: ann.id,
    });
    expect(listings.totalCount).toBe(0);
  });

  it("reports every problem at once", async () => {
    const ann = await registerUser();
    const { createListing } = await ann.client.data<Created>(CREATE, {
      input: await listingInput({ title: "", creditPrice: -5, location: { lat: 100, lon: 200 } }),
    });
    expect(createListing.errors.map((e) => e.field).sort()).toEqual(["input.creditPrice", "input.location.lat", "input.location.lon", "input.title"]);
  });

  it("turns line breaks in the title into spaces and keeps them in the description", async () => {
    const ann = await registerUser();
    const { createListing } = await ann.client.data<Created>(CREATE, {
      input: await listingInput({ title: "Oak\ntable\t", description: "Line one\n\tLine two" }),
    });
    expect(createListing.listing).toMatchObject({ title: "Oak table", description: "Line one\n\tLine two" });
  });

  it("refuses a price outside GraphQL's Int range before it reaches the subgraph", async () => {
    const ann = await registerUser();
    const res = await ann.client.request(CREATE, { input: await listingInput({ creditPrice: 2 ** 31 }) });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const fraction = await ann.client.request(CREATE, { input: await listingInput({ creditPrice: 1.5 }) });
    expect(fraction.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("updateListing", () => {
  it("changes only the fields given", async () => {
    const ann = await registerUser();
    const created = await createListing(ann, {}, { draft: true });
    const { updateListing } = await ann.client.data<Updated>(UPDATE, { id: created.id, input: { title: "Walnut table", creditPrice: 55 } });
    expect(updateListing.errors).toEqual([]);
    expect(updateListing.listing).toMatchObject({
      title: "Walnut table",
      creditPrice: 55,
      description: created.description,
      condition: "GOOD",
      location: created.location,
      attributes: created.attributes,
      status: "DRAFT",
    });
    expect(new Date(updateListing.listing!.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());
  });

  it("clears price and location with an explicit null, and replaces attributes", async () => {
    const ann = await registerUser();
    const created = await createListing(ann);
    const { updateListing } = await ann.client.data<Updated>(UPDATE, {
      id: created.id,
      input: { creditPrice: null, location: null, attributes: [{ key: "width_cm", value: "180" }] },
    });
    expect(updateListing.listing).toMatchObject({
      creditPrice: null,
      location: null,
      attributes: [{ key: "width_cm", value: "180" }],
      title: created.title,
    });
  });

  it("moves a listing to another category only with attributes that category allows", async () => {
    const ann = await registerUser();
    const created = await createListing(ann, { attributes: [{ key: "material", value: "oak" }] });
    const books = await category("books");
    const refused = await ann.client.data<Updated>(UPDATE, { id: created.id, input: { categoryId: books.id } });
    expect(refused.updateListing.errors).toEqual([
      { code: "INVALID_INPUT", field: "input.attributes", message: expect.stringMatching(/does not allow material/) },
    ]);
    const moved = await ann.client.data<Updated>(UPDATE, {
      id: created.id,
      input: { categoryId: books.id, attributes: [{ key: "author", value: "Tove Jansson" }] },
    });
    expect(moved.updateListing.listing).toMatchObject({ category: { slug: "books" }, attributes: [{ key: "author", value: "Tove Jansson" }] });
  });

  it("refuses bad values as data and changes nothing", async () => {
    const ann = await registerUser();
    const created = await createListing(ann);
    const { updateListing } = await ann.client.data<Updated>(UPDATE, {
      id: created.id,
      input: { title: "Fine title", description: "y".repeat(5001) },
    });
    expect(updateListing).toMatchObject({ listing: null, errors: [{ code: "INVALID_INPUT", field: "input.description" }] });
    const { listing } = await ann.client.data<ListingById>(LISTING, { id: created.id });
    expect(listing?.title).toBe(created.title);
  });

  it("lets only the owner change a listing: FORBIDDEN for others' listings, NOT_FOUND for their drafts", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const published = await createListing(ann);
    const draft = await createListing(ann, {}, { draft: true });
    const forbidden = await bob.client.data<Updated>(UPDATE, { id: published.id, input: { title: "Mine now" } });
    expect(forbidden.updateListing).toEqual({ listing: null, errors: [{ code: "FORBIDDEN", field: "id", message: expect.any(String) }] });
    const hidden = await bob.client.data<Updated>(UPDATE, { id: draft.id, input: { title: "Mine now" } });
    expect(hidden.updateListing.errors[0]).toMatchObject({ code: "NOT_FOUND", field: "id" });
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const missing = await bob.client.data<Updated>(UPDATE, { id, input: { title: "x" } });
      expect(missing.updateListing.errors[0]).toMatchObject({ code: "NOT_FOUND", field: "id" });
    }
    const { listing } = await ann.client.data<ListingById>(LISTING, { id: published.id });
    expect(listing?.title).toBe(published.title);
  });
});

describe("listing(id)", () => {
  it("shows a draft to its owner only, and an unknown or malformed id as null", async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const draft = await createListing(ann, {}, { draft: true });
    expect((await ann.client.data<ListingById>(LISTING, { id: draft.id })).listing?.id).toBe(draft.id);
    expect((await bob.client.data<ListingById>(LISTING, { id: draft.id })).listing).toBeNull();
    expect((await anonymous.data<ListingById>(LISTING, { id: draft.id })).listing).toBeNull();
    expect((await anonymous.data<ListingById>(LISTING, { id: "nope" })).listing).toBeNull();
  });
});
