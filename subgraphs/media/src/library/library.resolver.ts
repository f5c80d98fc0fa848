import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { decodeInstantCursor, emptyConnection, pageSize, type Connection } from "@localex/common";
import type { MediaContext } from "../context.ts";
import type { MediaRow, UploadPurposeName } from "../db/schema.ts";
import { User } from "../avatars/user.type.ts";
import { Media, UploadPurpose } from "../media/media.type.ts";
import { isOwnMedia, type StorageUse } from "./library.service.ts";
import { MediaConnection, Storage } from "./library.type.ts";

/** "My files": a member's storage use and their own media, for themself only. */
@Resolver(() => User)
export class LibraryResolver {
  @FieldResolver(() => Storage, { nullable: true, description: "Your storage use against your quota; null for anyone else's (and signed out)." })
  storage(@Root() user: User, @Ctx() ctx: MediaContext): Promise<StorageUse | null> {
    if (ctx.caller?.userId !== user.id) return Promise.resolve(null);
    return ctx.services.library.storageOf(user.id);
  }

  @FieldResolver(() => MediaConnection, {
    nullable: true,
    description:
      "Your own photos, avatars and documents at every stage, newest first, of one purpose if given; empty for anyone else's (and signed out). Null only while the media service cannot be reached (SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT: retry), so the rest of the answer still arrives.",
  })
  media(
    @Root() user: User,
    @Arg("first", () => Int, { nullable: true, description: "At most 100; 20 if not given." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("purpose", () => UploadPurpose, { nullable: true }) purpose: UploadPurposeName | null,
    @Ctx() ctx: MediaContext,
  ): Promise<Connection<MediaRow>> {
    // Arguments are checked for everyone alike: whether a refusal comes tells nothing of whose list it is.
    const size = pageSize(first);
    decodeInstantCursor(after);
    if (ctx.caller?.userId !== user.id) return Promise.resolve(emptyConnection<MediaRow>());
    return ctx.services.library.pageOf(user.id, purpose ?? null, size, after ?? null);
  }
}

@Resolver()
export class OwnMediaResolver {
  @Query(() => Media, { nullable: true, description: "One of your own media items, at any stage; null for anyone else's or an unknown id." })
  async media(@Arg("id", () => ID) id: string, @Ctx() ctx: MediaContext): Promise<MediaRow | null> {
    if (!ctx.caller) return null;
    const row = await ctx.loaders.mediaById.load(id);
    return isOwnMedia(row, ctx.caller) ? row : null;
  }
}
