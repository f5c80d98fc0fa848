// Welcome credits (docs/ledger.md#welcome-credits), through the gateway: a verified mailbox's 100
// credits are spent in trades at once, but sent to another member with transferCredits only once
// the member has completed a trade, so fresh accounts cannot simply pour their grants into one.
// (One grant per mailbox: tests/identity/email-verification.test.ts.)
import { describe, expect, it } from "vitest";
import { registerUser, type TestUser } from "../harness/client.ts";
import { eventually } from "../harness/eventually.ts";
import { accept, CONFIRM, createListing, mutate, proposed } from "../trades/helpers.ts";
import { fundedUser, grantTo, transfer } from "./helpers.ts";

const ACCOUNT = `{ me { account { balance held available transferable } } }`;
type Account = { balance: number; held: number; available: number; transferable: number };
const accountOf = async (user: TestUser): Promise<Account> => (await user.client.data<{ me: { account: Account } }>(ACCOUNT)).me.account;
const NOT_TRANSFERABLE = { code: "WELCOME_CREDITS_NOT_TRANSFERABLE", field: "input.amount", message: expect.stringMatching(/completed a trade/) };

/** Proposed, accepted, confirmed by both: the trade ends COMPLETED. */
async function completedTrade(proposer: TestUser, recipient: TestUser, terms: Record<string, unknown>): Promise<void> {
  const trade = await proposed(proposer, { recipientId: recipient.id, ...terms });
  expect((await accept(recipient, trade.id)).errors).toEqual([]);
  expect((await mutate(proposer, CONFIRM, { id: trade.id })).errors).toEqual([]);
  expect(await mutate(recipient, CONFIRM, { id: trade.id })).toMatchObject({ errors: [], trade: { status: "COMPLETED" } });
}

/** The ledger hears of a completed trade by a job (`ledger:trade-completed`): wait for it. */
const untilTransferable = (user: TestUser, amount: number) =>
  eventually(
    `${user.id}'s transferable credits`,
    () => accountOf(user),
    (a) => a.transferable === amount,
  );

describe("welcome credits", () => {
  it("are spent in a credit trade but not sent with transferCredits before a completed trade; granted credits are sent; after the trade, all", async () => {
    const [fresh, seller, other] = await Promise.all([fundedUser(), fundedUser(), registerUser({ verify: false })]);
    expect(await accountOf(fresh)).toEqual({ balance: 100, held: 0, available: 100, transferable: 0 });

    // Refused, and nothing moved; lacking the credits at all is still INSUFFICIENT_FUNDS.
    const refused = await transfer(fresh, other.id, 1);
    expect(refused).toEqual({ transfer: null, errors: [NOT_TRANSFERABLE] });
    expect((await transfer(fresh, other.id, 101)).errors).toEqual([expect.objectContaining({ code: "INSUFFICIENT_FUNDS" })]);
    expect(await accountOf(fresh)).toMatchObject({ balance: 100 });
    expect(await accountOf(other)).toMatchObject({ balance: 0 });

    // Positive control on the same path: credits an admin granted are the member's to send, and only those.
    await grantTo(fresh, 30);
    expect(await accountOf(fresh)).toEqual({ balance: 130, held: 0, available: 130, transferable: 30 });
    expect((await transfer(fresh, other.id, 31)).errors).toEqual([NOT_TRANSFERABLE]);
    expect((await transfer(fresh, other.id, 30)).errors).toEqual([]);
    expect(await accountOf(fresh)).toEqual({ balance: 100, held: 0, available: 100, transferable: 0 });
    expect(await accountOf(other)).toMatchObject({ balance: 30 });

    // The welcome credits pay for a listing: held in escrow on acceptance, settled on completion.
    const listing = await createListing(seller);
    await completedTrade(fresh, seller, { requestedListingIds: [listing.id], offeredCredits: 60 });
    expect(await accountOf(fresh)).toMatchObject({ balance: 40, held: 0, available: 40 });
    expect(await accountOf(seller)).toMatchObject({ balance: 160 });

    // Having completed a trade, the member sends what is left.
    await untilTransferable(fresh, 40);
    expect((await transfer(fresh, other.id, 40)).errors).toEqual([]);
    expect(await accountOf(fresh)).toEqual({ balance: 0, held: 0, available: 0, transferable: 0 });
    expect(await accountOf(other)).toMatchObject({ balance: 70 });
  }, 60_000);

  it("escrow draws on welcome credits first: what a member earned stays transferable while a trade holds credits", async () => {
    const [buyer, seller, other] = await Promise.all([fundedUser(), fundedUser(), registerUser({ verify: false })]);
    await grantTo(buyer, 50);
    const listing = await createListing(seller);
    const trade = await proposed(buyer, { recipientId: seller.id, requestedListingIds: [listing.id], offeredCredits: 60 });
    expect((await accept(seller, trade.id)).errors).toEqual([]);
    expect(await accountOf(buyer)).toEqual({ balance: 150, held: 60, available: 90, transferable: 50 });
    expect((await transfer(buyer, other.id, 51)).errors).toEqual([NOT_TRANSFERABLE]);
    expect((await transfer(buyer, other.id, 50)).errors).toEqual([]);
    expect(await accountOf(buyer)).toEqual({ balance: 100, held: 60, available: 40, transferable: 0 });
  });

  it("an item-for-item trade completed counts too: then the welcome credits are sent like any others", async () => {
    const [ann, bob] = await Promise.all([fundedUser(), fundedUser()]);
    const [annListing, bobListing] = await Promise.all([createListing(ann), createListing(bob)]);
    expect((await transfer(ann, bob.id, 100)).errors).toEqual([NOT_TRANSFERABLE]);
    await completedTrade(ann, bob, { offeredListingIds: [annListing.id], requestedListingIds: [bobListing.id] });
    await Promise.all([untilTransferable(ann, 100), untilTransferable(bob, 100)]);
    expect((await transfer(ann, bob.id, 100)).errors).toEqual([]);
    expect(await accountOf(ann)).toMatchObject({ balance: 0 });
    expect(await accountOf(bob)).toEqual({ balance: 200, held: 0, available: 200, transferable: 200 });
  }, 60_000);
});
