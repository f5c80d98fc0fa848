// A suspended member's access token carries the suspension (issue 23), and so does every caller
// token the gateway signs for them, so each subgraph refuses what they may not start without asking
// identity (activeMemberRefusal). A suspension with an end lapses at that instant on the same token.
import { describe, expect, it } from "vitest";
import {
  activeMemberRefusal,
  callerKeysFor,
  generateCallerKeys,
  isSuspended,
  issueAccessToken,
  publicKeysText,
  signCallerToken,
  signingKeyText,
  verifyAccessToken,
  verifyCallerToken,
  type Caller,
} from "@localex/common";

const SECRET = "a-test-secret-of-at-least-32-characters!";
const every = generateCallerKeys();
const gateway = callerKeysFor({ env: "production", signingKey: signingKeyText(every.get("gateway")!), publicKeys: publicKeysText([...every]) }, "gateway");
const member: Caller = { userId: "member-1", role: "user", sessionId: "s1" };

describe("the suspension claim", () => {
  it("travels from the access token through the gateway's caller token, with or without an end", async () => {
    const until = new Date(Date.now() + 3_600_000);
    for (const suspension of [{ until: until.toISOString() }, { until: null }]) {
      const { token } = await issueAccessToken(SECRET, { ...member, suspension }, 60);
      const caller = await verifyAccessToken(SECRET, token);
      expect(caller.suspension?.until === null).toBe(suspension.until === null);
      // Whole seconds in the token, rounded up: the suspension never ends early.
      if (suspension.until) expect(Date.parse(caller.suspension!.until!)).toBeGreaterThanOrEqual(until.getTime());
      const signed = await signCallerToken(gateway, caller, { signer: "gateway", audience: "listings" });
      const { caller: seen } = await verifyCallerToken(gateway, signed, "listings");
      expect(seen?.suspension).toEqual(caller.suspension);
      expect(activeMemberRefusal(seen)).toMatchObject({ ok: false, code: "MEMBER_SUSPENDED" });
    }
  });

  it("is absent for a member in good standing, whose caller token differs from a suspended one's", async () => {
    const { token } = await issueAccessToken(SECRET, member, 60);
    const caller = await verifyAccessToken(SECRET, token);
    expect(caller.suspension).toBeUndefined();
    expect(activeMemberRefusal(caller)).toBeNull();
    const plain = await signCallerToken(gateway, caller, { signer: "gateway", audience: "trades" });
    const suspended = await signCallerToken(gateway, { ...caller, suspension: { until: null } }, { signer: "gateway", audience: "trades" });
    expect(suspended).not.toBe(plain);
    expect((await verifyCallerToken(gateway, plain, "trades")).caller?.suspension).toBeUndefined();
  });

  it("lapses at its end", () => {
    const until = new Date("2026-12-07T12:00:00.000Z");
    const caller = { suspension: { until: until.toISOString() } };
    expect(isSuspended(caller, new Date(until.getTime() - 1))).toBe(true);
    expect(activeMemberRefusal(caller, new Date(until.getTime() - 1))?.message).toContain("2026-12-07T12:00:00.000Z");
    expect(isSuspended(caller, until)).toBe(false);
    expect(activeMemberRefusal(caller, new Date(until.getTime() + 1))).toBeNull();
  });
});
