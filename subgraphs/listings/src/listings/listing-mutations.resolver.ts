import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { activeMemberRefusal, requireCaller, toPayload } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import type { ListingOutcome } from "./listing-writes.service.ts";
import { CreateListingInput, UpdateListingInput } from "./listing.inputs.ts";
import { ListingPayload } from "./listing.type.ts";

@Resolver()
export class ListingMutationsResolver {
  @Mutation(() => ListingPayload, {
    description:
      "Creates a DRAFT listing owned by the signed-in user. With an `idempotencyKey`, a retried request answers the listing the key " +
      "first created (as it is now) and creates nothing; the same key with different input is refused (IDEMPOTENCY_CONFLICT).",
  })
  async createListing(
    @Arg("input", () => CreateListingInput) input: CreateListingInput,
    @Arg("idempotencyKey", () => String, {
      nullable: true,
      description: "1 to 200 characters, unique per member; send the same key when retrying the same request.",
    })
    idempotencyKey: string | null,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    const caller = await ctx.services.limits.signedIn("CREATE_LISTING_PER_ACCOUNT", ctx.caller);
    // A suspended member lists nothing new (the token carries the suspension).
    return payload(ctx, activeMemberRefusal(caller) ?? (await ctx.services.writes.create(caller, input, idempotencyKey ?? null)));
  }

  @Mutation(() => ListingPayload, {
    description: "Changes only the fields given; not while RESERVED (an accepted trade holds it) or once TRADED (LISTING_LOCKED).",
  })
  async updateListing(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateListingInput) input: UpdateListingInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<ListingPayload> {
    const caller = requireCaller(ctx.caller);
    return payload(ctx, activeMemberRefusal(caller) ?? (await ctx.services.writes.update(caller, id, input)));
  }

  @Mutation(() => ListingPayload, { description: "DRAFT → ACTIVE: the listing becomes visible to everyone." })
  async publishListing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<ListingPayload> {
    const caller = requireCaller(ctx.caller);
    return payload(ctx, activeMemberRefusal(caller) ?? (await ctx.services.writes.publish(caller, id)));
  }

  @Mutation(() => ListingPayload, {
    description: "DRAFT or ACTIVE → ARCHIVED. Not while RESERVED for an accepted trade (LISTING_LOCKED), nor once TRADED.",
  })
  async archiveListing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<ListingPayload> {
    return payload(ctx, await ctx.services.writes.archive(requireCaller(ctx.caller), id));
  }
}

function payload(ctx: ListingsContext, outcome: ListingOutcome): ListingPayload {
  if (outcome.ok) ctx.loaders.listingById.clear(outcome.value.id).prime(outcome.value.id, outcome.value);
  return toPayload(outcome, "listing");
}
