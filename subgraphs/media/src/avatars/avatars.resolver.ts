import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { MediaContext } from "../context.ts";
import type { MediaRow } from "../db/schema.ts";
import { Media } from "../media/media.type.ts";
import { User } from "./user.type.ts";

@Resolver(() => User)
export class AvatarsResolver {
  @FieldResolver(() => Media, { nullable: true, description: "The current avatar (READY); batched across users." })
  avatar(@Root() user: User, @Ctx() ctx: MediaContext): Promise<MediaRow | null> {
    return ctx.loaders.avatarByUser.load(user.id);
  }
}
