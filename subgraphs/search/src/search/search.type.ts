import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PageInfo } from "@localex/common";
import { Listing } from "../similar/listing.type.ts";
import { Category } from "./category.type.ts";

export enum SearchSort {
  RELEVANCE = "RELEVANCE",
  NEWEST = "NEWEST",
  DISTANCE = "DISTANCE",
  CREDITS_ASC = "CREDITS_ASC",
  CREDITS_DESC = "CREDITS_DESC",
}
registerEnumType(SearchSort, {
  name: "SearchSort",
  description: "RELEVANCE (the default; NEWEST when there is no query), DISTANCE (needs filter.near).",
});

/** The same values as the listings subgraph's enum, so the two compose. */
export enum ItemCondition {
  NEW = "NEW",
  LIKE_NEW = "LIKE_NEW",
  GOOD = "GOOD",
  FAIR = "FAIR",
  POOR = "POOR",
}
registerEnumType(ItemCondition, { name: "ItemCondition" });

@InputType({ description: "A circle on the map: listings whose location lies within radiusKm of (lat, lon)." })
export class GeoRadiusInput {
  @Field(() => Float, { description: "-90 to 90." }) lat!: number;
  @Field(() => Float, { description: "-180 to 180." }) lon!: number;
  @Field(() => Float, { description: "More than 0, at most 1000." }) radiusKm!: number;
}

@InputType()
export class SearchFilter {
  @Field(() => [ID], { nullable: true, description: "Any of these categories (at most 50)." })
  categoryIds?: string[] | null;
  @Field(() => [ItemCondition], { nullable: true, description: "Any of these conditions." })
  conditions?: ItemCondition[] | null;
  @Field(() => GeoRadiusInput, { nullable: true }) near?: GeoRadiusInput | null;
  @Field(() => Int, { nullable: true, description: "Listings priced at most this many credits (unpriced ones are left out)." })
  maxCredits?: number | null;
}

@ObjectType()
export class FacetCount {
  @Field(() => String, { description: "The category id, or the condition." }) value!: string;
  @Field(() => Int, { description: "Exact, or an estimate when the connection's totalCountIsExact is false." })
  count!: number;
  @Field(() => Category, {
    nullable: true,
    description: "In `categories`: the category counted (name, slug…), resolved by the listings subgraph; null in `conditions`.",
  })
  category!: Category | null;
}

@ObjectType({
  description: "Counts over every listing that matches the query and filter, not just this page; estimates when the connection's totalCountIsExact is false.",
})
export class SearchFacets {
  @Field(() => [FacetCount], { description: "By category: `value` is the id, `category` the Category." }) categories!: FacetCount[];
  @Field(() => [FacetCount]) conditions!: FacetCount[];
}

@ObjectType()
export class SearchEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Listing) node!: Listing;
  @Field(() => Float, { nullable: true, description: "Relevance to the query; null without a query." })
  score!: number | null;
  @Field(() => [String], {
    description: "Fragments of the title and description with the matches in <mark>…</mark>; the rest is HTML-escaped.",
  })
  highlights!: string[];
  @Field(() => Float, { nullable: true, description: "Kilometres from filter.near, when given." })
  distanceKm!: number | null;
}

@ObjectType()
export class SearchConnection {
  @Field(() => [SearchEdge]) edges!: SearchEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: "Every listing that matches; an estimate when totalCountIsExact is false." })
  totalCount!: number;
  @Field(() => Boolean, {
    description:
      "True when totalCount and the facet counts are exact. Past a limit (1 000 matches on the default PostgreSQL index, 10 000 on OpenSearch) search stops counting: totalCount is then an estimate above the limit (OpenSearch: the limit itself, a lower bound), facet counts are estimated (PostgreSQL) and RELEVANCE ranks the first 1 000 matches found (PostgreSQL).",
  })
  totalCountIsExact!: boolean;
  @Field(() => SearchFacets) facets!: SearchFacets;
}

@ArgsType()
export class SearchArgsType {
  @Field(() => String, {
    nullable: true,
    description: 'Words (prefixes match; "phrases", -not and or work). At most 200 characters.',
  })
  query?: string | null;
  @Field(() => SearchFilter, { nullable: true }) filter?: SearchFilter | null;
  @Field(() => SearchSort, { nullable: true }) sort?: SearchSort | null;
  @Field(() => Int, { nullable: true, description: "Default 20, at most 100." }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@ArgsType()
export class SuggestArgs {
  @Field(() => String, { description: "At most 100 characters." }) prefix!: string;
  @Field(() => Int, { nullable: true, description: "Default 10, at most 20." }) limit?: number | null;
}
