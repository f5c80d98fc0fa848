import { GraphQLError } from "graphql";
import type { ConcurrencyLimiter, PieceConfig, UploadIntake } from "@localex/common";
import { callerFromAuthorization } from "../caller.ts";
import type { EndedSessions } from "../ended-sessions.ts";

type Admit = NonNullable<UploadIntake["admit"]>;

/**
 * Who may start a multipart upload, decided before a byte of its body is read: a signed-in
 * member (every mutation that takes a file wants one, so an anonymous upload would only be read
 * to be refused), with fewer than UPLOAD_CONCURRENCY_PER_MEMBER of their uploads in progress on
 * any gateway. Each upload holds a slot until its request is over.
 */
export function uploadAdmission(
  config: Pick<PieceConfig<"gateway">, "uploads" | "auth">,
  slots: ConcurrencyLimiter,
  ended: Pick<EndedSessions, "check">,
): Admit {
  const limit = config.uploads.concurrencyPerMember;
  return async (request) => {
    let caller;
    try {
      caller = await callerFromAuthorization(config.auth.jwtSecret, request.headers.authorization, ended);
    } catch (e) {
      if (e instanceof GraphQLError) return { status: 401, code: "UNAUTHENTICATED", message: e.message };
      throw e;
    }
    if (!caller) return { status: 401, code: "UNAUTHENTICATED", message: "Sign in to upload files." };
    const slot = await slots.take("uploads", `account:${caller.userId}`, limit);
    return (
      slot ?? {
        status: 429,
        code: "TOO_MANY_UPLOADS",
        message: `You have ${limit} uploads in progress; wait for one to finish before starting another.`,
      }
    );
  };
}
