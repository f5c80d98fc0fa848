import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { requireCaller } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { AuthPayload, LoginInput, RegisterInput } from "./auth-payload.type.ts";

@Resolver()
export class SessionsResolver {
  @Mutation(() => AuthPayload, { description: "Creates an account and signs it in." })
  register(@Arg("input", () => RegisterInput) input: RegisterInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return ctx.services.sessions.register(input);
  }

  @Mutation(() => AuthPayload)
  login(@Arg("input", () => LoginInput) input: LoginInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return ctx.services.sessions.login(input);
  }

  @Mutation(() => AuthPayload, { description: "Exchanges a refresh token for a new pair; the old one stops working." })
  refreshSession(@Arg("refreshToken", () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return ctx.services.sessions.refresh(refreshToken);
  }

  @Mutation(() => Boolean, { description: "Ends this session: its refresh token stops working." })
  async logout(@Ctx() ctx: IdentityContext): Promise<boolean> {
    const caller = requireCaller(ctx.caller);
    await ctx.services.sessions.logout(caller.userId, caller.sessionId);
    return true;
  }
}
