import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { requireCurrentAdmin, toPayload } from "@localex/common";
import type { ListingsContext } from "../context.ts";
import { Listing, ListingPayload } from "../listings/listing.type.ts";
import { ListingModeration, ListingModerationState } from "./moderation.type.ts";

@Resolver(() => Listing)
export class ModerationResolver {
  @FieldResolver(() => ListingModeration, {
    nullable: true,
    description:
      "Why the listing is hidden from everyone but its owner and admins (taken down, or its owner suspended). " +
      "Null when it is not hidden, and for everyone but its owner and admins.",
  })
  moderation(@Root() listing: Listing, @Ctx() ctx: ListingsContext): ListingModeration | null {
    const caller = ctx.caller;
    const admin = caller?.role === "admin";
    if (!caller || (caller.userId !== listing.ownerId && !admin)) return null;
    const ownerSuspended = listing.ownerSuspendedAt !== null;
    if (listing.takenDownAt !== null) {
      return {
        state: ListingModerationState.TAKEN_DOWN,
        hiddenAt: listing.takenDownAt,
        reason: listing.takenDownReason,
        ownerSuspended,
        reportId: admin ? listing.takenDownReportId : null,
      };
    }
    if (listing.ownerSuspendedAt !== null) {
      return { state: ListingModerationState.OWNER_SUSPENDED, hiddenAt: listing.ownerSuspendedAt, reason: null, ownerSuspended, reportId: null };
    }
    return null;
  }

  @Mutation(() => ListingPayload, {
    description:
      "Admins only: lifts a listing's takedown, so it is visible and findable again (unless its owner is suspended) and its owner is told. " +
      "A listing that is not taken down is answered unchanged. NOT_FOUND on `id` for no such listing.",
  })
  async restoreListing(@Arg("id", () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<ListingPayload> {
    // The stored role, not the token's: a revoked admin's token must not lift a takedown.
    const admin = await requireCurrentAdmin(ctx.services.internal, ctx.caller);
    const outcome = await ctx.services.moderation.restore(admin.userId, id);
    if (outcome.ok) ctx.loaders.listingById.clear(id).prime(id, outcome.value);
    return toPayload(outcome, "listing");
  }
}
