// The behaviour every CdnPurge adapter must have, run against each by cdn-purge.unit.test.ts.
import { describe, expect, it } from "vitest";
import { MAX_URLS_PER_PURGE, type CdnPurge } from "../../subgraphs/media/src/cdn/index.ts";

export function cdnPurgeContract(name: string, adapter: () => CdnPurge, base: () => string): void {
  describe(`CdnPurge contract: ${name}`, () => {
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `${base()}/public/media/contract/${i}.webp`);

    it("accepts a purge of URLs it may never have held, and of none, as often as asked (idempotent)", async () => {
      await expect(adapter().purge(urls(4))).resolves.toBeUndefined();
      await expect(adapter().purge(urls(4))).resolves.toBeUndefined();
      await expect(adapter().purge([])).resolves.toBeUndefined();
    });

    it(`refuses, sending nothing, more than ${MAX_URLS_PER_PURGE} URLs or anything that is not an http(s) URL`, async () => {
      await expect(adapter().purge(urls(MAX_URLS_PER_PURGE + 1))).rejects.toThrow(RangeError);
      await expect(adapter().purge(["public/media/x.webp"])).rejects.toThrow(RangeError);
      await expect(adapter().purge(["file:///etc/passwd"])).rejects.toThrow(RangeError);
    });

    it("says which adapter it is without its token", () => {
      expect(adapter().describe()).toMatch(/^(off|http) /);
      expect(adapter().describe()).not.toContain("token");
    });
  });
}
