import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { requireCaller } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import type { Outcome } from "./listing-writes.service.ts";
import { CreateListingInput, UpdateListingInput } from "./listing.inputs.ts";
import { ListingPayload } from "./listing.type.ts";

@Resolver()
export class ListingMutationsResolver {
  @Mutation(() => ListingPayload, { description: "Creates a DRAFT listing owned by the signed-in user." })
  async createListing(
    @Arg("input", () => CreateListingInput) input: CreateListingInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    return payload(ctx, await ctx.services.writes.create(requireCaller(ctx.caller), input));
  }

  @Mutation(() => ListingPayload, { description: "Changes only the fields given; not while RESERVED or once TRADED." })
  async updateListing(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateListingInput) input: UpdateListingInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    return payload(ctx, await ctx.services.writes.update(requireCaller(ctx.caller), id, input));
  }

  @Mutation(() => ListingPayload, { description: "DRAFT → ACTIVE: the listing becomes visible to everyone." })
  async publishListing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<ListingPayload> {
    return payload(ctx, await ctx.services.writes.publish(requireCaller(ctx.caller), id));
  }

  @Mutation(() => ListingPayload, { description: "Any status but TRADED → ARCHIVED." })
  async archiveListing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<ListingPayload> {
    return payload(ctx, await ctx.services.writes.archive(requireCaller(ctx.caller), id));
  }
}

function payload(ctx: ListingsContext, outcome: Outcome): ListingPayload {
  if (outcome.listing) ctx.loaders.listingById.clear(outcome.listing.id).prime(outcome.listing.id, outcome.listing);
  return outcome;
}
