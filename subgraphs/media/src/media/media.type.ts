import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "@localex/common";
import type { MediaRow, MediaStatusName, UploadPurposeName } from "../db/schema.ts";

export enum MediaStatus {
  PENDING = "PENDING",
  PROCESSING = "PROCESSING",
  READY = "READY",
  FAILED = "FAILED",
  TAKEN_DOWN = "TAKEN_DOWN",
}
registerEnumType(MediaStatus, {
  name: "MediaStatus",
  description:
    "PENDING (stored, waiting for its job) → PROCESSING → READY, or FAILED (see `error`); READY → TAKEN_DOWN by an administrator (see `takedownReason`): no longer served, seen by its owner and admins only.",
});

export enum ImageVariant {
  THUMBNAIL = "THUMBNAIL",
  MEDIUM = "MEDIUM",
  LARGE = "LARGE",
  ORIGINAL = "ORIGINAL",
}
registerEnumType(ImageVariant, {
  name: "ImageVariant",
  description: "THUMBNAIL 300, MEDIUM 800 and LARGE 1200 pixels on the long edge (WebP, never enlarged); ORIGINAL re-encoded without metadata.",
});

export enum UploadPurpose {
  LISTING_PHOTO = "LISTING_PHOTO",
  AVATAR = "AVATAR",
  DOCUMENT = "DOCUMENT",
}
registerEnumType(UploadPurpose, {
  name: "UploadPurpose",
  description: "LISTING_PHOTO and AVATAR are public images; DOCUMENT (an image or a PDF) is private to its owner and admins.",
});

@ObjectType({ description: "An uploaded file and its processed variants." })
@Directive('@key(fields: "id")')
export class Media {
  @Field(() => ID) id!: string;
  @Field(() => MediaStatus) status!: MediaStatusName;
  @Field(() => UploadPurpose) purpose!: UploadPurposeName;
  @Field(() => String, { description: "The type detected from the bytes (declared, until they have arrived)." })
  contentType!: string;
  @Field(() => Int, { description: "Bytes of the upload." }) byteSize!: number;
  @Field(() => Int, { nullable: true, description: "Pixels, as displayed (after EXIF orientation); null for documents and until processed." })
  width!: number | null;
  @Field(() => Int, { nullable: true }) height!: number | null;
  @Field(() => String, { nullable: true, description: "Why the media FAILED." }) error!: string | null;
  @Field(() => Date, { nullable: true, description: "When an administrator took it down (TAKEN_DOWN); null otherwise." })
  takenDownAt!: Date | null;
  @Field(() => String, { nullable: true, description: "Why an administrator took it down, as its owner was told; null unless TAKEN_DOWN." })
  takedownReason!: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class MediaPayload {
  @Field(() => Media, { nullable: true }) media!: Media | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType()
export class ReorderListingPhotosPayload {
  @Field(() => [Media], { nullable: true, description: "The listing's photos in their new order; null when refused (nothing changed)." })
  photos!: MediaRow[] | null;
  @Field(() => [UserError]) errors!: UserError[];
}

@ObjectType()
export class DeleteMediaPayload {
  @Field(() => Boolean, { description: "True when the item and its stored variants were deleted; false when refused (see errors)." })
  deleted!: boolean;
  @Field(() => [UserError]) errors!: UserError[];
}
