// The part of `pnpm bench:search` that uses real listings, created and published through the
// gateway: SQL statements for a page with each listing's owner (identity), category (listings)
// and similar listings (search) with their owners.
import { randomUUID } from "node:crypto";
import { gql } from "./support.ts";

const CATALOGUE_PAGE = /* GraphQL */ `
  query ($first: Int) {
    listings(first: $first) {
      edges { node { title category { name } owner { displayName } similar(first: 3) { title owner { displayName } } } }
    }
  }
`;

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

export async function catalogueRoundTrips(url: string, statements: () => Promise<number>): Promise<void> {
  const { categories } = await gql<{ categories: { id: string }[] }>(url, `{ categories { id } }`);
  const words = ["oak", "table", "lamp", "chair", "bike", "drill", "kettle", "shelf"];
  for (let owner = 0; owner < 3; owner++) {
    const input = { email: `bench-owner-${owner}-${randomUUID()}@localex.bench`, password: "correct horse battery", displayName: `Owner ${owner}` };
    const { register } = await gql<{ register: { accessToken: string } }>(
      url,
      `mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }`,
      { input },
    );
    for (let i = 0; i < 20; i++) {
      const title = `${pick(words)} ${pick(words)} ${owner}-${i}`;
      const { createListing } = await gql<{ createListing: { listing: { id: string } } }>(
        url,
        `mutation ($input: CreateListingInput!) { createListing(input: $input) { listing { id } } }`,
        { input: { title, description: `A ${title} in fine shape`, categoryId: categories[i % categories.length]!.id, condition: "GOOD" } },
        register.accessToken,
      );
      await gql(url, `mutation ($id: ID!) { publishListing(id: $id) { errors { code } } }`, { id: createListing.listing.id }, register.accessToken);
    }
  }
  await new Promise((r) => setTimeout(r, 1500)); // let the index catch up with the last jobs
  console.log("\nSQL statements per request (all subgraphs), real listings with owner, category and similar (with owners):");
  for (const first of [10, 50]) {
    await statements();
    const { listings } = await gql<{ listings: { edges: unknown[] } }>(url, CATALOGUE_PAGE, { first });
    console.log(`  listings, page of ${first} (${listings.edges.length} edges): ${await statements()}`);
  }
}
