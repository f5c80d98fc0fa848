// Whom a per-address rate limit counts (packages/common/src/address-key.ts): an IPv6 client is
// its /64, so picking a new address from its own block buys no new budget.
import { describe, expect, it } from "vitest";
import { addressKey, clientKey } from "@localex/common";

describe("the rate-limit key of a client address", () => {
  it("counts every address of one IPv6 /64 as one client, however it is written", () => {
    const key = addressKey("2001:db8:1:2::1");
    expect(addressKey("2001:db8:1:2:ffff:ffff:ffff:fffe")).toBe(key);
    expect(addressKey("2001:0DB8:0001:0002:0000:0000:0000:0099")).toBe(key);
    expect(key).toBe("address:2001:db8:1:2::/64");
  });

  it("keeps neighbouring /64s apart, and each IPv4 address its own (the positive control)", () => {
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
    expect(addressKey("192.0.2.1")).toBe("address:192.0.2.1");
    expect(addressKey("192.0.2.2")).not.toBe(addressKey("192.0.2.1"));
  });

  it("counts an IPv4 address written as IPv6 as the IPv4 address", () => {
    expect(addressKey("::ffff:192.0.2.1")).toBe(addressKey("192.0.2.1"));
  });

  it("keys a signed-in caller by account, an anonymous one by address", () => {
    expect(clientKey({ userId: "u1", role: "user", sessionId: "s" }, "2001:db8::1")).toBe("account:u1");
    expect(clientKey(null, "2001:db8::1")).toBe("address:2001:db8:0:0::/64");
    expect(clientKey(null, null)).toBeNull();
  });
});
