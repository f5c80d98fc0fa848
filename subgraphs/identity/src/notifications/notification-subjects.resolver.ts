import { Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";
import type { IdentityContext } from "../context.ts";
import type { NotificationRow, VerificationRequestRow } from "../db/schema.ts";
import { Job, Media } from "../privacy/federated.types.ts";
import { VerificationRequest } from "../verification/verification.type.ts";
import { Notification } from "./notification.type.ts";

/**
 * What a notification is about, besides a trade: the member's photo (and the job that processed
 * it), an export's job, a transfer, a verification request. Each resolves for the notification's
 * owner as it does anywhere else (media answers its own entities, visibility included); null
 * when the notification is about none, or the thing is gone.
 */
@Resolver(() => Notification)
export class NotificationSubjectsResolver {
  @FieldResolver(() => Media, { nullable: true, description: "The photo or avatar it is about (PHOTO_READY, PHOTO_FAILED)." })
  media(@Root() notification: NotificationRow): Media | null {
    return notification.mediaId ? { id: notification.mediaId } : null;
  }

  @FieldResolver(() => Job, {
    nullable: true,
    description: "The job it is about: the processing of a photo (also for UPLOAD_INFECTED), or a data export (DATA_EXPORT_READY).",
  })
  job(@Root() notification: NotificationRow): Job | null {
    return notification.jobId ? { id: notification.jobId } : null;
  }

  @FieldResolver(() => ID, { nullable: true, description: "The transfer it is about (CREDITS_RECEIVED): the `transferId` of the entry in ledgerEntries." })
  transferId(@Root() notification: NotificationRow): string | null {
    return notification.transferId;
  }

  @FieldResolver(() => VerificationRequest, {
    nullable: true,
    description: "The verification request it is about (VERIFICATION_APPROVED, VERIFICATION_REJECTED).",
  })
  async verificationRequest(@Root() notification: NotificationRow, @Ctx() ctx: IdentityContext): Promise<VerificationRequestRow | null> {
    if (!notification.verificationRequestId) return null;
    const request = await ctx.services.documentVerification.byId(notification.verificationRequestId);
    return request?.userId === notification.userId ? request : null;
  }
}
