// The public API (schema/api.graphql) against the last released one (schema/released/api.graphql),
// by @graphql-inspector/core's diff: any BREAKING change fails, listed. An intended break is
// accepted with `pnpm schema:release` (see docs/client.md); `pnpm schema:changes` prints every change.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatChange, schemaChanges } from "../../packages/client/schema-changes.ts";

describe("the public API schema", () => {
  it("has no breaking change against the released schema", async () => {
    const breaking = (await schemaChanges()).filter((c) => c.level === "BREAKING").map(formatChange);
    // On failure: keep the old field or argument (deprecate it) or, for an intended break that
    // front-end teams were told of, run `pnpm schema:release` and commit schema/released/.
    expect(breaking, "breaking changes of schema/api.graphql against schema/released/api.graphql").toEqual([]);
  });

  describe("the check itself", () => {
    const dirs: string[] = [];
    afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

    async function compare(before: string, after: string) {
      const dir = await mkdtemp(join(tmpdir(), "schema-changes-"));
      dirs.push(dir);
      await writeFile(join(dir, "before.graphql"), before);
      await writeFile(join(dir, "after.graphql"), after);
      return schemaChanges(join(dir, "before.graphql"), join(dir, "after.graphql"));
    }

    const released = /* GraphQL */ `
      type Query { listing(id: ID!): Listing  listings(first: Int): [Listing!]! }
      type Listing { id: ID! title: String! creditPrice: Int }
      enum ItemCondition { NEW GOOD }
      input ListingFilter { maxCredits: Int }
    `;

    it("calls removing a type, changing a field's type or making an argument required breaking", async () => {
      const changes = await compare(
        released,
        /* GraphQL */ `
          type Query { listing(id: ID!): Item  listings(first: Int!): [Item!]! }
          type Item { id: ID! title: String! creditPrice: Int }
          enum ItemCondition { NEW GOOD }
          input ListingFilter { maxCredits: Int }
        `,
      );
      const breaking = changes.filter((c) => c.level === "BREAKING").map((c) => c.message);
      expect(breaking).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/Listing.*removed/),
          expect.stringMatching(/first.*Int.*Int!/),
          expect.stringMatching(/Query\.listing.*changed type/),
        ]),
      );
    });

    it("calls an added field safe, and an added enum value or optional input field dangerous or safe, never breaking", async () => {
      const changes = await compare(
        released,
        /* GraphQL */ `
          type Query { listing(id: ID!): Listing  listings(first: Int, after: String): [Listing!]! }
          type Listing { id: ID! title: String! creditPrice: Int description: String }
          enum ItemCondition { NEW GOOD FAIR }
          input ListingFilter { maxCredits: Int ownerId: ID }
        `,
      );
      expect(changes.filter((c) => c.level === "BREAKING")).toEqual([]);
      expect(changes.map((c) => `${c.level} ${c.message}`)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^SAFE .*description.*added/), expect.stringMatching(/^DANGEROUS .*FAIR.*added/)]),
      );
    });
  });
});
