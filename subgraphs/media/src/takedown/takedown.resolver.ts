import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { requireCurrentAdmin, toPayload } from "@localex/common";
import type { MediaContext } from "../context.ts";
import { MediaPayload } from "../media/media.type.ts";

@Resolver()
export class TakedownResolver {
  @Mutation(() => MediaPayload, {
    description:
      "Administrators only (as identity stores the role now; FORBIDDEN otherwise): takes a member's file down. Every URL of it stops serving at once, " +
      "the CDN is asked to purge them, and its owner is notified (MEDIA_TAKEN_DOWN, with the reason); the owner and admins still see it, TAKEN_DOWN, with `takedownReason`. " +
      "Refused as data: NOT_FOUND, INVALID_STATE (not READY, or already taken down) (`id`); INVALID_INPUT (`reason`: 1 to 1000 characters).",
  })
  async takeDownMedia(@Arg("id", () => ID) id: string, @Arg("reason", () => String) reason: string, @Ctx() ctx: MediaContext): Promise<MediaPayload> {
    const admin = await requireCurrentAdmin(ctx.services.internal, ctx.caller);
    return toPayload(await ctx.services.takedown.takeDown(admin.userId, id, reason), "media");
  }
}
