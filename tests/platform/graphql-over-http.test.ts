import { serverAudits } from "graphql-http";
import { describe, expect, inject, it } from "vitest";

// The GraphQL over HTTP spec's own conformance audits (graphql-http), against the gateway: every
// MUST holds. SHOULDs and MAYs are listed when they do not, so a change in them shows in review.
describe("GraphQL over HTTP conformance (graphql-http audits)", () => {
  const audits = serverAudits({ url: () => inject("gatewayUrl"), fetchFn: fetch });

  it("passes every MUST audit", async () => {
    const musts = audits.filter((a) => a.name.startsWith("MUST"));
    expect(musts.length).toBeGreaterThan(10);
    const failed: string[] = [];
    for (const audit of musts) {
      const result = await audit.fn();
      if (result.status !== "ok") failed.push(`${audit.name}: ${result.reason}`);
    }
    expect(failed).toEqual([]);
  });

  it("reports the SHOULD audits it does not meet (known, reviewed list)", async () => {
    const notMet: string[] = [];
    for (const audit of audits.filter((a) => !a.name.startsWith("MUST"))) {
      const result = await audit.fn();
      if (result.status !== "ok") notMet.push(audit.name);
    }
    expect(notMet).toMatchSnapshot();
  });
});
