// The behaviour every SearchIndex adapter must have, run against each engine by
// search-index.test.ts. Each test uses its own category ids and made-up words, so tests
// can share one index.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ListingDocument } from "@localex/common";
import { ItemCondition, SearchSort, toSearchRequest, type SearchArgs, type SearchIndex } from "../../subgraphs/search/src/index.ts";
import { listingDocument, uniqueWord } from "./documents.ts";
import { allowedAnswers, HOSTILE_QUERIES } from "./hostile-input.ts";

export function searchIndexContract(index: () => SearchIndex): void {
  const find = (args: SearchArgs) => index().search(toSearchRequest(args));
  const ids = async (args: SearchArgs) => (await find(args)).hits.map((h) => h.id);
  const seed = async (...docs: ListingDocument[]) => {
    await index().upsertMany(docs);
    return docs;
  };

  describe("text", () => {
    it("finds by whole word, by prefix and by a misspelling, titles before descriptions", async () => {
      const word = uniqueWord();
      const category = randomUUID();
      const [inTitle, inDescription] = await seed(
        listingDocument({ title: `Red ${word} bicycle`, categoryId: category }),
        listingDocument({ title: "Old chair", description: `Goes well with a ${word}.`, categoryId: category }),
        listingDocument({ title: "Unrelated lamp", categoryId: category }),
      );
      expect(await ids({ query: word })).toEqual([inTitle!.id, inDescription!.id]);
      expect(await ids({ query: word.slice(0, 6) })).toEqual([inTitle!.id, inDescription!.id]);
      const typo = word.slice(0, 4) + word.slice(5); // one letter left out
      expect(await ids({ query: `${typo} bicycle`, filter: { categoryIds: [category] } })).toContain(inTitle!.id);
    });

    it("scores hits and marks matches in HTML-escaped highlights", async () => {
      const word = uniqueWord();
      await seed(listingDocument({ title: `<b>${word}</b> & friends`, description: `A ${word} in mint condition.` }));
      const [hit] = (await find({ query: word })).hits;
      expect(hit?.score).toBeGreaterThan(0);
      expect(hit?.highlights.join(" ")).toContain(`<mark>${word}</mark>`);
      expect(hit?.highlights.join(" ")).not.toContain("<b>");
    });

    it("treats hostile text as plain words: finds what its words match, never a fault", async () => {
      const category = randomUUID();
      const [bike] = await seed(listingDocument({ title: "Red bike", categoryId: category }));
      for (const hostile of HOSTILE_QUERIES) {
        const result = await find({ query: hostile.query, filter: { categoryIds: [category] } });
        const found = result.hits.map((h) => h.id);
        expect({ query: hostile.name, found }).toEqual({ query: hostile.name, found: expect.toBeOneOf(allowedAnswers(hostile, bike!.id)) });
        expect(result.totalCount).toBe(found.length);
      }
    });
  });

  describe("snapshots", () => {
    it("ignores a snapshot older than the one indexed", async () => {
      const [newWord, oldWord] = [uniqueWord(), uniqueWord()];
      const doc = listingDocument({ title: `${newWord} title`, version: 2 });
      expect(await index().upsert(doc)).toBe("indexed");
      expect(await index().upsert({ ...doc, title: `${oldWord} title`, version: 1 })).toBe("stale");
      expect(await ids({ query: newWord })).toEqual([doc.id]);
      expect(await ids({ query: oldWord })).toEqual([]);
    });

    it("makes only ACTIVE listings findable, and a late ACTIVE snapshot does not bring one back", async () => {
      const word = uniqueWord();
      const doc = listingDocument({ title: word, version: 1 });
      await index().upsert(doc);
      expect(await ids({ query: word })).toEqual([doc.id]);
      await index().upsert({ ...doc, status: "ARCHIVED", version: 3 });
      expect(await ids({ query: word })).toEqual([]);
      expect(await index().upsert({ ...doc, status: "ACTIVE", version: 2 })).toBe("stale");
      expect(await ids({ query: word })).toEqual([]);
      await index().upsert(listingDocument({ title: word, status: "DRAFT" }));
      expect(await ids({ query: word })).toEqual([]);
    });
  });

  describe("moderation", () => {
    it("leaves a hidden listing out of search, counts, suggestions and similar lists, and finds it again once shown", async () => {
      const word = uniqueWord("qh");
      const category = randomUUID();
      const [hidden, neighbour] = await seed(
        listingDocument({ title: `${word} brass kettle`, description: `a ${word}`, categoryId: category, version: 1 }),
        listingDocument({ title: `${word} brass teapot`, description: `a ${word}`, categoryId: category, version: 1 }),
      );
      // Control: both are findable while neither is hidden.
      expect((await ids({ query: word })).sort()).toEqual([hidden!.id, neighbour!.id].sort());
      expect((await index().similar([neighbour!.id], 5)).get(neighbour!.id)).toEqual([hidden!.id]);
      expect(await index().suggest(`${word} brass k`, 10)).toContain(`${word} brass kettle`);

      // Hidden (taken down, or its owner suspended), still ACTIVE: not findable by any path.
      expect(await index().upsert({ ...hidden!, hidden: true, version: 2 })).toBe("indexed");
      const result = await find({ query: word, filter: { categoryIds: [category] } });
      expect(result.hits.map((h) => h.id)).toEqual([neighbour!.id]);
      expect(result.totalCount).toBe(1);
      expect(result.facets.categories).toEqual([{ value: category, count: 1 }]);
      expect(await ids({ filter: { categoryIds: [category] } })).toEqual([neighbour!.id]);
      expect((await index().similar([neighbour!.id], 5)).get(neighbour!.id)).toEqual([]);
      expect(await index().suggest(`${word} brass k`, 10)).not.toContain(`${word} brass kettle`);
      // A late snapshot from before it was hidden does not bring it back.
      expect(await index().upsert({ ...hidden!, hidden: false, version: 1 })).toBe("stale");
      expect(await ids({ query: word })).toEqual([neighbour!.id]);

      // Shown again (restored, or its owner reinstated): findable again.
      expect(await index().upsert({ ...hidden!, hidden: false, version: 3 })).toBe("indexed");
      expect((await ids({ query: word })).sort()).toEqual([hidden!.id, neighbour!.id].sort());
      expect((await index().similar([neighbour!.id], 5)).get(neighbour!.id)).toEqual([hidden!.id]);
      expect(await index().suggest(`${word} brass k`, 10)).toContain(`${word} brass kettle`);
    });
  });

  describe("filters, facets and sorts", () => {
    it("filters by category, condition, credits and distance, and counts facets over the filtered set", async () => {
      const [catA, catB] = [randomUUID(), randomUUID()];
      const oslo = { lat: 59.9139, lon: 10.7522 };
      const [near, cheapFar, , unpriced] = await seed(
        listingDocument({ categoryId: catA, condition: "NEW", creditPrice: 50, location: { lat: 59.92, lon: 10.76 } }),
        listingDocument({ categoryId: catA, condition: "GOOD", creditPrice: 5, location: { lat: 60.39, lon: 5.32 } }),
        listingDocument({ categoryId: catB, condition: "GOOD", creditPrice: 80, location: oslo }),
        listingDocument({ categoryId: catB, condition: "POOR", creditPrice: null, location: null }),
      );
      const both = [catA, catB];
      expect((await find({ filter: { categoryIds: both } })).totalCount).toBe(4);
      expect(new Set(await ids({ filter: { categoryIds: [catA] } }))).toEqual(new Set([near!.id, cheapFar!.id]));
      expect(await ids({ filter: { categoryIds: both, maxCredits: 10 } })).toEqual([cheapFar!.id]);
      expect(new Set(await ids({ filter: { categoryIds: both, conditions: [ItemCondition.POOR, ItemCondition.NEW] } }))).toEqual(
        new Set([near!.id, unpriced!.id]),
      );

      const nearby = await find({ filter: { categoryIds: both, near: { ...oslo, radiusKm: 5 } }, sort: SearchSort.DISTANCE });
      expect(nearby.totalCount).toBe(2);
      expect(nearby.hits[0]?.distanceKm).toBeCloseTo(0, 3);
      expect(nearby.hits[1]?.id).toBe(near!.id);
      expect(nearby.hits[1]?.distanceKm).toBeGreaterThan(0.5);
      expect(nearby.hits[1]?.distanceKm).toBeLessThan(1.5);
      expect(nearby.facets.categories).toEqual([
        { value: [catA, catB].sort()[0], count: 1 },
        { value: [catA, catB].sort()[1], count: 1 },
      ]);
      expect(nearby.facets.conditions).toEqual([
        { value: "GOOD", count: 1 },
        { value: "NEW", count: 1 },
      ]);
    });

    it("finds words near a point on every side of it, across the equator and the prime meridian, and nothing farther", async () => {
      const word = uniqueWord();
      const centre = { lat: 0.05, lon: -0.05 };
      const at = (lat: number, lon: number, title: string, description?: string) =>
        listingDocument({ title, ...(description ? { description } : {}), location: { lat, lon } });
      const [southEast, northWest, onTheEquator, byDescription, , table] = await seed(
        at(-0.0001, 0.0001, `Brass ${word}s lamp`),
        at(0.09, -0.12, `Green ${word} lamp`),
        at(0, -0.05, `${word} floor lamp`),
        at(0.06, -0.04, "Old chair", `Comes with a ${word} and a lamp.`),
        at(0.05, 0.06, `${word} lamp`), // 12 km east
        at(0.05, -0.05, `${word} table`), // no lamp
      );
      const near = { ...centre, radiusKm: 10 };
      const expected = new Set([southEast!.id, northWest!.id, onTheEquator!.id, byDescription!.id]);
      const found = await find({ query: `${word.slice(0, 6)} lamps`, filter: { near }, sort: SearchSort.DISTANCE });
      expect(new Set(found.hits.map((h) => h.id))).toEqual(expected);
      expect(found.totalCount).toBe(4);
      expect(found.hits.map((h) => h.id)).toEqual([byDescription!.id, onTheEquator!.id, southEast!.id, northWest!.id]);
      expect(new Set(await ids({ query: `${word} lamp`, filter: { near } }))).toEqual(expected);
      // Web-search syntax near a point: a phrase and an exclusion.
      expect(new Set(await ids({ query: `"${word} lamp"`, filter: { near } }))).toEqual(new Set([northWest!.id]));
      expect(new Set(await ids({ query: `${word} -brass`, filter: { near } }))).toEqual(
        new Set([northWest!.id, onTheEquator!.id, byDescription!.id, table!.id]),
      );
    });

    it("pages through every sort with keyset cursors, each hit exactly once", async () => {
      const category = randomUUID();
      const word = uniqueWord();
      const docs = await seed(
        ...Array.from({ length: 7 }, (_, i) =>
          listingDocument({
            categoryId: category,
            title: `${word} item ${i}`,
            creditPrice: i % 3 === 0 ? null : i * 10,
            createdAt: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
            location: { lat: 59.9 + i * 0.01, lon: 10.75 },
          }),
        ),
      );
      const sorts = Object.values(SearchSort);
      for (const sort of sorts) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let page = 0; page < 5; page++) {
          const args: SearchArgs = {
            query: word,
            filter: { categoryIds: [category], near: { lat: 59.9, lon: 10.75, radiusKm: 50 } },
            sort,
            first: 3,
            after,
          };
          const request = toSearchRequest(args);
          const result = await index().search(request);
          expect(result.totalCount).toBe(7);
          seen.push(...result.hits.map((h) => h.id));
          if (!result.hasNextPage) break;
          const last = result.hits.at(-1)!;
          after = Buffer.from(JSON.stringify([request.sort, ...last.sortKey])).toString("base64url");
        }
        expect(seen).toHaveLength(7);
        expect(new Set(seen)).toEqual(new Set(docs.map((d) => d.id)));
        const order = (id: string) => docs.findIndex((d) => d.id === id);
        if (sort === "NEWEST") expect(seen.map(order)).toEqual([6, 5, 4, 3, 2, 1, 0]);
        if (sort === "DISTANCE") expect(seen.map(order)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        if (sort === "CREDITS_ASC") expect(seen.map(order).slice(0, 4)).toEqual([1, 2, 4, 5]);
        if (sort === "CREDITS_DESC") expect(seen.map(order).slice(0, 4)).toEqual([5, 4, 2, 1]);
      }
    });
  });

  describe("suggestions and similar listings", () => {
    it("suggests distinct findable titles by prefix, and forgives a typo", async () => {
      const word = uniqueWord("qx");
      await seed(
        listingDocument({ title: `${word} lamp` }),
        listingDocument({ title: `${word} lamp` }),
        listingDocument({ title: `${word} table` }),
        listingDocument({ title: `${word} hidden`, status: "ARCHIVED" }),
      );
      expect((await index().suggest(word.slice(0, 7), 10)).sort()).toEqual([`${word} lamp`, `${word} table`]);
      expect(await index().suggest(word.slice(0, 7), 1)).toHaveLength(1);
      const typo = word.slice(0, 3) + word.slice(4);
      expect(await index().suggest(typo, 10)).toContain(`${word} lamp`);
    });

    it("finds similar findable listings for many listings in one call, never the listing itself", async () => {
      const [w1, w2] = [uniqueWord(), uniqueWord()];
      const [a1, a2, a3, , b1, b2] = await seed(
        listingDocument({ title: `${w1} alpha`, description: `solid ${w1}` }),
        listingDocument({ title: `${w1} beta`, description: `solid ${w1}` }),
        listingDocument({ title: `${w1} gamma`, description: `solid ${w1}` }),
        listingDocument({ title: `${w1} delta`, status: "TRADED" }),
        listingDocument({ title: `${w2} guitar`, description: `a ${w2} acoustic` }),
        listingDocument({ title: `${w2} guitar strings`, description: `for a ${w2}` }),
      );
      const similar = await index().similar([a1!.id, b1!.id, randomUUID()], 5);
      expect(new Set(similar.get(a1!.id))).toEqual(new Set([a2!.id, a3!.id]));
      expect(similar.get(b1!.id)).toEqual([b2!.id]);
      expect([...similar.values()].at(-1)).toEqual([]);
    });

    it("ranks the same category and shared words first, lists a listing indexed later, and drops one no longer findable", async () => {
      const word = uniqueWord();
      const [kitchen, garden] = [randomUUID(), randomUUID()];
      const oslo = { lat: 59.91, lon: 10.75 };
      const [source, sameCategory, otherCategory] = await seed(
        listingDocument({ title: `${word} copper kettle`, categoryId: kitchen, location: oslo }),
        listingDocument({ title: `${word} steel kettle`, categoryId: kitchen, location: { lat: 59.95, lon: 10.8 } }),
        listingDocument({ title: `${word} copper kettle`, categoryId: garden, location: oslo }),
      );
      expect((await index().similar([source!.id], 5)).get(source!.id)).toEqual([sameCategory!.id, otherCategory!.id]);
      const [later] = await seed(listingDocument({ title: `${word} copper kettle`, categoryId: kitchen, location: oslo }));
      expect((await index().similar([source!.id], 1)).get(source!.id)).toEqual([later!.id]);
      await index().upsert({ ...later!, status: "TRADED", version: 2 });
      expect((await index().similar([source!.id], 5)).get(source!.id)).toEqual([sameCategory!.id, otherCategory!.id]);
    });
  });

  describe("broad searches", () => {
    it("counts exactly up to the adapter's limit, then estimates above it and says so, facets included", async () => {
      const word = uniqueWord();
      const category = randomUUID();
      const limit = index().exactCountLimit;
      const few = await seed(...Array.from({ length: 3 }, () => listingDocument({ title: `${word} few`, categoryId: category })));
      const exact = await find({ query: `${word} few` });
      expect({ total: exact.totalCount, exact: exact.totalCountIsExact }).toEqual({ total: few.length, exact: true });
      for (let done = 0; done <= limit; done += 1000) {
        await seed(...Array.from({ length: Math.min(1000, limit + 1 - done) }, () => listingDocument({ title: `${word} many`, categoryId: category })));
      }
      const broad = await find({ query: word, first: 5 });
      expect(broad.totalCountIsExact).toBe(false);
      expect(broad.totalCount).toBeGreaterThan(limit);
      expect(broad.hits).toHaveLength(5);
      expect(broad.hasNextPage).toBe(true);
      expect(broad.facets.categories.map((f) => f.value)).toEqual([category]);
      expect(broad.facets.categories[0]?.count).toBeGreaterThan(0);
    });
  });

  describe("rebuild", () => {
    it("replaces the index with the source's listings, dropping those that are gone", async () => {
      const word = uniqueWord();
      const [kept, gone] = await seed(listingDocument({ title: `${word} kept` }), listingDocument({ title: `${word} gone` }));
      const added = listingDocument({ title: `${word} added` });
      async function* pages() {
        yield [{ ...kept!, title: `${word} kept renamed`, version: 2 }];
        yield [added];
      }
      const { documents } = await index().rebuild(pages());
      expect(documents).toBe(2);
      expect(new Set(await ids({ query: word }))).toEqual(new Set([kept!.id, added.id]));
      expect(await ids({ query: `${word} renamed` })).toEqual([kept!.id]);
      expect(await ids({ query: `${word} gone` })).not.toContain(gone!.id);
    });
  });
}
