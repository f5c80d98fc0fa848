import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { UserError } from "@localex/common";
import type { UploadPurposeName } from "../db/schema.ts";
import { Media, UploadPurpose } from "../media/media.type.ts";

@InputType({ description: "What will be uploaded straight to storage: the URL returned accepts exactly these bytes." })
export class CreateUploadInput {
  @Field(() => String) filename!: string;
  @Field(() => String, { description: "The file's type; checked against its bytes on completeUpload." }) contentType!: string;
  @Field(() => Int, { description: "The exact size in bytes." }) byteSize!: number;
  @Field(() => UploadPurpose) purpose!: UploadPurposeName;
  @Field(() => ID, { nullable: true, description: "The listing, for a LISTING_PHOTO." }) listingId?: string | null;
}

@ObjectType()
export class HttpHeader {
  @Field(() => String) name!: string;
  @Field(() => String) value!: string;
}

@ObjectType({ description: "Where to send the bytes: `method` to `url` with `headers`, before `expiresAt`; then call completeUpload." })
export class PresignedUpload {
  @Field(() => Media) media!: Media;
  @Field(() => String) url!: string;
  @Field(() => String) method!: string;
  @Field(() => [HttpHeader]) headers!: HttpHeader[];
  @Field(() => Date) expiresAt!: Date;
}

@ObjectType()
export class CreateUploadPayload {
  @Field(() => PresignedUpload, { nullable: true, description: "Null when refused: nothing was recorded (see errors)." })
  upload!: PresignedUpload | null;
  @Field(() => [UserError]) errors!: UserError[];
}
