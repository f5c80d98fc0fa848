import { Field, Float, ObjectType } from "type-graphql";
import { ConnectionType } from "@localex/common";
import { Media } from "../media/media.type.ts";

// Float, not Int: MEDIA_QUOTA_BYTES has no upper bound (a 1 TiB quota is configured in the
// media benchmark), and GraphQL's Int stops at 2^31 - 1. A Float holds whole bytes exactly up to 2^53.
@ObjectType({ description: "A member's storage: what their files take, against their quota." })
export class Storage {
  @Field(() => Float, {
    description:
      "Bytes your files take, exactly as the quota check counts them: an upload in progress with its declared size, a processed one with every stored variant. A whole number (Float because it may pass 2^31).",
  })
  usedBytes!: number;

  @Field(() => Float, {
    description:
      "Bytes you may keep (MEDIA_QUOTA_BYTES); an upload that would take usedBytes past it is refused with QUOTA_EXCEEDED. A whole number (Float because it may pass 2^31).",
  })
  quotaBytes!: number;
}

@ObjectType()
export class MediaConnection extends ConnectionType("Media", Media) {}
