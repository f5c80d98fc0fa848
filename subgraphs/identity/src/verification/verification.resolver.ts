import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { checkListSize, pageSize, requireCaller, toPayload, type Connection } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import type { UserRow, VerificationRequestRow } from "../db/schema.ts";
import { currentAdmin } from "../users/current-admin.ts";
import { MAX_DOCUMENTS } from "./verification.service.ts";
import { Media, User, VerificationRequest, VerificationRequestConnection, VerificationRequestPayload, VerificationStatus } from "./verification.type.ts";

@Resolver(() => VerificationRequest)
export class VerificationResolver {
  @Mutation(() => VerificationRequestPayload, {
    description:
      "Asks to be verified with one or two of your private documents (createUpload or uploads with purpose DOCUMENT, once READY). Only you and admins can ever see them; they are deleted a while after the decision (VERIFICATION_DOCUMENT_RETENTION_HOURS).",
  })
  async requestVerification(@Arg("documentIds", () => [ID]) documentIds: string[], @Ctx() ctx: IdentityContext): Promise<VerificationRequestPayload> {
    const caller = requireCaller(ctx.caller);
    checkListSize(documentIds, "documentIds", MAX_DOCUMENTS * 5);
    return toPayload(await ctx.services.documentVerification.submit(caller.userId, documentIds), "request");
  }

  @Query(() => VerificationRequest, { nullable: true, description: "Your latest verification request, if any." })
  async myVerificationRequest(@Ctx() ctx: IdentityContext): Promise<VerificationRequestRow | null> {
    const caller = requireCaller(ctx.caller);
    return ctx.services.documentVerification.latestOf(caller.userId);
  }

  @Query(() => VerificationRequestConnection, { description: "Admins only: requests in a status (PENDING when not given), oldest first." })
  async verificationRequests(
    @Arg("status", () => VerificationStatus, { nullable: true }) status: VerificationStatus | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<Connection<VerificationRequestRow>> {
    await currentAdmin(ctx);
    return ctx.services.documentVerification.page(status ?? VerificationStatus.PENDING, pageSize(first), after ?? null);
  }

  @Mutation(() => VerificationRequestPayload, { description: "Admins only: approves a PENDING request; the member becomes verified and is notified." })
  async approveVerification(@Arg("id", () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<VerificationRequestPayload> {
    const admin = await currentAdmin(ctx);
    return toPayload(await ctx.services.documentVerification.decide(admin.userId, id, { approve: true }), "request");
  }

  @Mutation(() => VerificationRequestPayload, { description: "Admins only: rejects a PENDING request with a reason (1 to 500 characters) the member is told." })
  async rejectVerification(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String) reason: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<VerificationRequestPayload> {
    const admin = await currentAdmin(ctx);
    return toPayload(await ctx.services.documentVerification.decide(admin.userId, id, { approve: false, reason }), "request");
  }

  @FieldResolver(() => User, { description: "The member asking." })
  async member(@Root() request: VerificationRequestRow, @Ctx() ctx: IdentityContext): Promise<UserRow | null> {
    return ctx.loaders.userById.load(request.userId);
  }

  @FieldResolver(() => [Media], {
    description:
      "The documents, while the request is PENDING (afterwards they are no longer shown, and are deleted); each one's `url` is signed, short-lived, and answered to the member and admins only.",
  })
  documents(@Root() request: VerificationRequestRow): Media[] {
    return request.status === "PENDING" ? request.documentIds.map((id) => ({ id })) : [];
  }
}
