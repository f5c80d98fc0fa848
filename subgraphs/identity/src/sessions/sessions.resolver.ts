import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { requireCaller } from "@localex/common";
import type { IdentityContext } from "../context.ts";
import { AuthPayload, LoginInput, RegisterInput } from "./auth-payload.type.ts";
import type { Session } from "./sessions.service.ts";

@Resolver()
export class SessionsResolver {
  @Mutation(() => AuthPayload, { description: "Creates an account and signs it in." })
  async register(@Arg("input", () => RegisterInput) input: RegisterInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.sessions.register(input, ctx.clientAddress));
  }

  @Mutation(() => AuthPayload)
  async login(@Arg("input", () => LoginInput) input: LoginInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.sessions.login(input, ctx.clientAddress));
  }

  @Mutation(() => AuthPayload, { description: "Exchanges a refresh token for a new pair; the old one stops working." })
  async refreshSession(@Arg("refreshToken", () => String) refreshToken: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return signedIn(ctx, await ctx.services.sessions.refresh(refreshToken, ctx.clientAddress));
  }

  @Mutation(() => Boolean, { description: "Ends this session: its refresh token stops working." })
  async logout(@Ctx() ctx: IdentityContext): Promise<boolean> {
    const caller = requireCaller(ctx.caller);
    await ctx.services.sessions.logout(caller.userId, caller.sessionId);
    return true;
  }
}

/** The rest of this request acts as the user who just signed in, so `user { email }` resolves. */
function signedIn(ctx: IdentityContext, session: Session): Session {
  ctx.caller = { userId: session.user.id, role: session.user.role, sessionId: session.sessionId };
  return session;
}
