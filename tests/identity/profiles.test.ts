// Profiles through the gateway: a unique public handle chosen at registration or later
// (case-insensitive, reserved words refused), a bio and an area within the text rules,
// memberSince; a deleted member's profile shows none of it and their handle is free again.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GatewayClient, randomAddress, registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";

const UPDATE = `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id handle bio area } errors { code field } } }`;
const PROFILE = `query ($id: ID!) { user(id: $id) { id displayName handle bio area memberSince createdAt deleted } }`;
const BY_HANDLE = `query ($handle: String!) { userByHandle(handle: $handle) { id handle } }`;
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { user { id handle memberSince } } }`;

type Update = {
  updateProfile: {
    user: { id: string; handle: string | null; bio: string | null; area: string | null } | null;
    errors: { code: string; field: string | null }[];
  };
};
type Profile = {
  user: {
    id: string;
    displayName: string;
    handle: string | null;
    bio: string | null;
    area: string | null;
    memberSince: string;
    createdAt: string;
    deleted: boolean;
  } | null;
};

/** A handle nobody else in the run has: `<prefix>_<8 hex>`. */
const uniqueHandle = (prefix = "m") => `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
const update = (member: TestUser, input: Record<string, unknown>) => member.client.data<Update>(UPDATE, { input });
const profile = (id: string) => new GatewayClient().data<Profile>(PROFILE, { id });
const byHandle = (handle: string) => new GatewayClient().data<{ userByHandle: { id: string; handle: string } | null }>(BY_HANDLE, { handle });

/** Registers with a handle: the user, or the refused field. */
async function registerWith(handle: string): Promise<{ id: string; handle: string | null; memberSince: string } | string> {
  const input = { email: `p-${randomUUID()}@localex.test`, password: "correct horse battery", displayName: "Profiled", handle };
  const res = await new GatewayClient().request<{ register: { user: { id: string; handle: string | null; memberSince: string } } }>(
    REGISTER,
    { input },
    { "x-forwarded-for": randomAddress() },
  );
  return res.data?.register.user ?? String(res.errors?.[0]?.extensions?.field);
}

describe("handles", () => {
  it("are chosen at registration, stored lower-case, unique whatever the case; a taken one refuses the registration", async () => {
    const handle = uniqueHandle("ann");
    const ann = await registerWith(`@${handle.toUpperCase()}`);
    if (typeof ann === "string") throw new Error(`registration refused: ${ann}`);
    expect(ann.handle).toBe(handle);
    expect(await registerWith(handle.toUpperCase())).toBe("input.handle");
    expect(await registerWith("admin")).toBe("input.handle");
    expect(await registerWith("no")).toBe("input.handle");
    // Control: a free handle registers; so does no handle at all (registerUser sends none).
    expect(typeof (await registerWith(uniqueHandle()))).toBe("object");
    expect((await profile((await registerUser()).id)).user?.handle).toBeNull();
    expect((await byHandle(`@${handle.toUpperCase()}`)).userByHandle).toEqual({ id: ann.id, handle });
  });

  it("are set or changed with updateProfile: taken, reserved and malformed ones refused as data, the old one freed", async () => {
    const [ann, ben] = await Promise.all([registerUser(), registerUser()]);
    const annHandle = uniqueHandle("ann");
    expect((await update(ann, { handle: annHandle })).updateProfile).toEqual({ user: { id: ann.id, handle: annHandle, bio: null, area: null }, errors: [] });
    expect((await update(ben, { handle: `@${annHandle.toUpperCase()}` })).updateProfile.errors).toEqual([{ code: "HANDLE_TAKEN", field: "input.handle" }]);
    expect((await update(ben, { handle: "Support" })).updateProfile.errors).toEqual([{ code: "HANDLE_RESERVED", field: "input.handle" }]);
    for (const bad of ["ab", "has space", "émile", "a".repeat(21), "semi;colon"]) {
      expect((await update(ben, { handle: bad })).updateProfile.errors, bad).toEqual([{ code: "INVALID_INPUT", field: "input.handle" }]);
    }
    expect((await profile(ben.id)).user?.handle).toBeNull(); // nothing was set by the refusals
    // Ann moves on: her old handle is free, and Ben takes it (the positive control of HANDLE_TAKEN).
    const annNext = uniqueHandle("ann");
    expect((await update(ann, { handle: annNext })).updateProfile.errors).toEqual([]);
    expect((await update(ben, { handle: annHandle })).updateProfile.errors).toEqual([]);
    expect((await byHandle(annHandle)).userByHandle?.id).toBe(ben.id);
    expect((await byHandle(annNext)).userByHandle?.id).toBe(ann.id);
  });

  it("of two members claiming one handle at once, one has it and the other is refused", async () => {
    const [ann, ben] = await Promise.all([registerUser(), registerUser()]);
    const handle = uniqueHandle("race");
    const outcomes = await Promise.all([update(ann, { handle }), update(ben, { handle })]);
    expect(outcomes.map((o) => o.updateProfile.errors[0]?.code ?? "set").sort()).toEqual(["HANDLE_TAKEN", "set"]);
    const winner = outcomes[0]!.updateProfile.errors.length === 0 ? ann : ben;
    expect((await byHandle(handle)).userByHandle?.id).toBe(winner.id);
  });
});

describe("bio, area and memberSince", () => {
  it("are shown to everyone, kept within the text rules, and removed when given empty", async () => {
    const ann = await registerUser();
    const bio = "Fixing bikes since 2009.\nAsk me about tandems.";
    expect((await update(ann, { bio: `  ${bio} `, area: "  Utrecht   Oost " })).updateProfile.user).toMatchObject({ bio, area: "Utrecht Oost" });
    const { user } = await profile(ann.id);
    expect(user).toMatchObject({ bio, area: "Utrecht Oost", deleted: false });
    expect(user!.memberSince).toBe(user!.createdAt);
    expect(Date.parse(user!.memberSince)).toBeLessThanOrEqual(Date.now());

    expect((await update(ann, { bio: "x".repeat(501) })).updateProfile.errors).toEqual([{ code: "INVALID_INPUT", field: "input.bio" }]);
    expect((await update(ann, { bio: "hidden\u202etext" })).updateProfile.errors).toEqual([{ code: "INVALID_INPUT", field: "input.bio" }]);
    expect((await update(ann, { area: "a".repeat(81) })).updateProfile.errors).toEqual([{ code: "INVALID_INPUT", field: "input.area" }]);
    expect((await update(ann, { area: "Utrecht\u200bOost" })).updateProfile.errors).toEqual([{ code: "INVALID_INPUT", field: "input.area" }]);
    expect((await profile(ann.id)).user).toMatchObject({ bio, area: "Utrecht Oost" }); // the refusals changed nothing
    // The longest accepted (control), then empty removes.
    expect((await update(ann, { bio: "x".repeat(500), area: "a".repeat(80) })).updateProfile.errors).toEqual([]);
    expect((await update(ann, { bio: "", area: " " })).updateProfile.user).toMatchObject({ bio: null, area: null });
  });
});

describe("a deleted member", () => {
  it("shows no handle, bio or area, is not found by handle, and their handle is free for others", async () => {
    const [ann, ben] = await Promise.all([registerUser(), registerUser()]);
    const handle = uniqueHandle("gone");
    expect((await update(ann, { handle, bio: "Hello", area: "Utrecht" })).updateProfile.errors).toEqual([]);
    expect((await byHandle(handle)).userByHandle?.id).toBe(ann.id); // before: found
    const deleted = await ann.client.data<{ deleteMyAccount: { accepted: boolean } }>(`mutation ($p: String!) { deleteMyAccount(password: $p) { accepted } }`, {
      p: ann.password,
    });
    expect(deleted.deleteMyAccount.accepted).toBe(true);
    // From acceptance on: nothing of the profile shows, and the handle finds nobody.
    expect((await profile(ann.id)).user).toMatchObject({ handle: null, bio: null, area: null, deleted: true });
    expect((await byHandle(handle)).userByHandle).toBeNull();
    // Once the profile is anonymised, the handle is free.
    await eventually(
      "the deletion job",
      async () => (await profile(ann.id)).user?.displayName,
      (name) => name === "Deleted member",
    );
    expect((await update(ben, { handle })).updateProfile.errors).toEqual([]);
    expect((await byHandle(handle)).userByHandle?.id).toBe(ben.id);
  });
});
