import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LIST_MAX } from "@localex/common";
import { GatewayClient, registerUser } from "../harness/client.ts";

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

// Every list argument is capped with an error naming it; what fits is answered (each case's control).
// Listings' and trades' own lists are covered in tests/listings and tests/trades (hardening).
describe("list arguments are capped", () => {
  it("search filters: categoryIds and conditions", async () => {
    const anonymous = new GatewayClient();
    const SEARCH = `query ($f: SearchFilter) { search(filter: $f, first: 1) { totalCount } }`;
    const conditions = Array.from({ length: LIST_MAX + 1 }, () => "GOOD");
    for (const f of [{ categoryIds: ids(LIST_MAX + 1) }, { conditions }]) {
      const res = await anonymous.request(SEARCH, { f });
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(Object.keys(f))).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toMatch(/may hold at most \d+/);
    }
    expect((await anonymous.request(SEARCH, { f: { categoryIds: ids(10), conditions: ["GOOD", "NEW"] } })).errors).toBeUndefined();
  });

  it("markNotificationsRead(ids) and updateNotificationPreferences(kinds)", async () => {
    const member = await registerUser({ verify: false });
    const MARK = `mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`;
    const marked = await member.client.request(MARK, { ids: ids(LIST_MAX + 1) });
    expect(marked.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await member.client.request(MARK, { ids: ids(LIST_MAX) })).data).toEqual({ markNotificationsRead: 0 });
    const PREFS = `mutation ($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { kinds { kind email } } }`;
    const kinds = Array.from({ length: LIST_MAX + 1 }, () => ({ kind: "TRADE_PROPOSED", email: false }));
    const prefs = await member.client.request(PREFS, { input: { kinds } });
    expect(prefs.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await member.client.request(PREFS, { input: { kinds: kinds.slice(0, 1) } })).errors).toBeUndefined();
  });

  it("reorderListingPhotos(mediaIds)", async () => {
    const member = await registerUser({ verify: false });
    const REORDER = `mutation ($l: ID!, $m: [ID!]!) { reorderListingPhotos(listingId: $l, mediaIds: $m) { photos { id } errors { code } } }`;
    const res = await member.client.request(REORDER, { l: randomUUID(), m: ids(LIST_MAX + 1) });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/at most/);
  });
});

describe("free text has a length limit and the control-character rule", () => {
  it("createUpload's filename: 255 characters, no controls (tried: 300 000 characters and a NUL were accepted)", async () => {
    const member = await registerUser({ verify: false });
    const CREATE = `mutation ($f: String!) {
      createUpload(input: { filename: $f, contentType: "image/png", byteSize: 10, purpose: AVATAR }) { upload { media { id } } errors { code field } } }`;
    type Created = { createUpload: { upload: { media: { id: string } } | null; errors: { code: string; field: string | null }[] } };
    for (const f of ["a".repeat(256), "photo\u0000.png", "photo\u202egnp.exe", ""]) {
      const { createUpload } = await member.client.data<Created>(CREATE, { f });
      expect(createUpload, JSON.stringify(f.slice(0, 20))).toEqual({ upload: null, errors: [{ code: "INVALID_INPUT", field: "input.filename" }] });
    }
    const { createUpload: ok } = await member.client.data<Created>(CREATE, { f: `${"a".repeat(251)}.png` });
    expect(ok.errors).toEqual([]);
    expect(ok.upload?.media.id).toBeTruthy();
  });
});
