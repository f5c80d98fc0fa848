// The mailbox an address reaches, as the welcome grant counts them (one grant per mailbox).
import { describe, expect, it } from "vitest";
import { canonicalEmail } from "../../subgraphs/identity/src/users/canonical-email.ts";

describe("canonicalEmail", () => {
  it("lower-cases and trims", () => {
    expect(canonicalEmail("  Ann.Lee@Example.ORG ")).toBe("ann.lee@example.org");
  });

  it("drops a +tag at any domain", () => {
    expect(canonicalEmail("ann+farm1@example.org")).toBe("ann@example.org");
    expect(canonicalEmail("ann+a+b@example.org")).toBe("ann@example.org");
    expect(canonicalEmail("ann+@example.org")).toBe("ann@example.org");
  });

  it("drops dots in Gmail local parts and treats googlemail.com as gmail.com", () => {
    for (const variant of ["a.n.n@gmail.com", "ANN@googlemail.com", "a.nn+x@GoogleMail.com", "ann@gmail.com.", "ann@gmail.com"]) {
      expect(canonicalEmail(variant), variant).toBe("ann@gmail.com");
    }
  });

  it("keeps dots elsewhere, and tells different people apart", () => {
    expect(canonicalEmail("a.nn@example.org")).not.toBe(canonicalEmail("ann@example.org"));
    expect(canonicalEmail("ann@gmail.com")).not.toBe(canonicalEmail("anne@gmail.com"));
    expect(canonicalEmail("ann@example.org")).not.toBe(canonicalEmail("ann@example.com"));
    expect(canonicalEmail("ann@gmail.com")).not.toBe(canonicalEmail("ann@example.org"));
  });

  it("uses the last @ (a quoted local part may hold one)", () => {
    expect(canonicalEmail('"a@b"+x@Example.org')).toBe('"a@b"@example.org');
  });
});
