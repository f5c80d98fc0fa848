import type { API } from "@opensearch-project/opensearch";

/**
 * The index's explicit mappings: `dynamic: strict`, so a document with an unexpected field
 * is refused instead of silently widening the schema.
 */
/** Fields added since the first mappings, put on an index made before them (prepare), which strict mappings would otherwise refuse. */
export const ADDED_PROPERTIES = { hidden: { type: "boolean" } } as const;

export const LISTING_INDEX_BODY: API.Indices_Create_RequestBody = {
  settings: {
    number_of_shards: 1,
    analysis: {
      analyzer: {
        // Lower-cased, accent-folded words for type-ahead on titles.
        folded: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] },
      },
    },
  },
  mappings: {
    dynamic: "strict",
    properties: {
      id: { type: "keyword" },
      ownerId: { type: "keyword" },
      title: {
        type: "text",
        analyzer: "english",
        fields: {
          keyword: { type: "keyword", ignore_above: 512 },
          prefix: { type: "search_as_you_type", analyzer: "folded" },
        },
      },
      description: { type: "text", analyzer: "english" },
      categoryId: { type: "keyword" },
      categorySlug: { type: "keyword" },
      condition: { type: "keyword" },
      status: { type: "keyword" },
      hidden: { type: "boolean" },
      creditPrice: { type: "integer" },
      location: { type: "geo_point" },
      createdAt: { type: "date" },
      updatedAt: { type: "date" },
      version: { type: "long" },
    },
  },
};
