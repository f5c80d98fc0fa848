// @localex/client (packages/client): its generated code is what codegen makes from
// schema/api.graphql and src/operations/ now, every document validates against the public
// schema, and the documents work against the running graph, typed end to end: the journey of
// packages/client/examples/journey.ts (`pnpm client:example`), then the operations it leaves out.
import { readFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { buildSchema, validate, type DocumentNode } from "graphql";
import sharp from "sharp";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { generatedDifferences, schemaFile } from "../../packages/client/codegen.ts";
import { adminDay } from "../../packages/client/examples/admin-day.ts";
import { journey, type JourneyResult } from "../../packages/client/examples/journey.ts";
import * as documents from "../../packages/client/src/gql/graphql.ts";
import {
  BrowseListingsDocument,
  CancelTradeDocument,
  CategoriesDocument,
  CreateListingDocument,
  createSubscriptionClient,
  DeclineTradeDocument,
  GraphQLRequestError,
  ListingDetailDocument,
  LocalexClient,
  LoginDocument,
  MyTradesDocument,
  ProposeTradeDocument,
  PublishListingDocument,
  RefreshSessionDocument,
  subscribe,
  SuggestDocument,
  TradeDocument,
  TradeUpdatedDocument,
  UploadListingPhotoDocument,
} from "../../packages/client/src/index.ts";
import { adminCredentials, randomAddress, resetToken, verificationToken } from "../harness/client.ts";
import { untilListeningToTrades } from "../trades/helpers.ts";

const typedDocuments = Object.entries(documents).filter(([name]) => name.endsWith("Document")) as [string, DocumentNode][];

describe("@localex/client", () => {
  it("has generated code that is up to date with schema/api.graphql and its operations", async () => {
    // On failure: run `pnpm client:generate` and commit packages/client/src/gql/.
    expect(await generatedDifferences()).toEqual([]);
  }, 60_000);

  it("has documents that all validate against the public API schema", async () => {
    const schema = buildSchema(await readFile(schemaFile, "utf8"));
    expect(typedDocuments.length).toBeGreaterThanOrEqual(20);
    const invalid = typedDocuments.flatMap(([name, document]) => validate(schema, document).map((e) => `${name}: ${e.message}`));
    expect(invalid).toEqual([]);
  });

  describe("against the graph", () => {
    const gatewayUrl = inject("gatewayUrl");
    const member = () => ({ "x-forwarded-for": randomAddress() });
    let result: JourneyResult | undefined;
    const ran = () => {
      if (!result) throw new Error("the journey did not run");
      return result;
    };

    it("walks the journey: sign up, reset a forgotten password, list, search, propose, talk, receive it live, counter, accept, share where to meet, confirm, leave feedback, find a member by handle and send thanks", async () => {
      const lines: string[] = [];
      result = await journey({
        gatewayUrl,
        wsUrl: inject("wsUrl"),
        verificationToken: (email) => verificationToken(email),
        resetToken: (email) => resetToken(email),
        memberHeaders: member,
        // graphql-ws does not acknowledge a subscription's start: probe proposals tell when Ann's is live.
        untilListening: (ann, live) => untilListeningToTrades({ id: ann.id } as Parameters<typeof untilListeningToTrades>[0], live),
        log: (line) => lines.push(line),
      });
      const { ann, ben, listingId, found, receivedLive, notification, completed, handOver, feedback, balances } = result;
      expect(found.edges.map((e) => e.node.id)).toContain(listingId);
      expect(found.facets.categories.length).toBeGreaterThan(0);
      expect(receivedLive).toMatchObject({ status: "PROPOSED", proposer: { id: ben.id }, recipient: { id: ann.id }, offeredCredits: 20 });
      expect(receivedLive.requestedListings).toEqual([expect.objectContaining({ id: listingId })]);
      expect(notification).toMatchObject({ kind: "TRADE_PROPOSED", read: false, trade: { id: receivedLive.id } });
      expect(completed).toMatchObject({ status: "COMPLETED", offeredCredits: 25, escrow: { amount: 25, status: "SETTLED" } });
      expect(completed.requestedListings).toEqual([expect.objectContaining({ id: listingId, status: "TRADED" })]);
      expect(handOver).toMatchObject({ lat: 52.09123, lon: 5.12187, note: "Blue door, ring twice", sharedBy: { id: ann.id } });
      expect(feedback?.edges.map((e) => e.node)).toEqual([
        expect.objectContaining({ rating: 5, comment: "Drill as described, friendly hand-over.", author: { id: ben.id, displayName: "Ben", deleted: false } }),
      ]);
      // 25 for the drill, then 5 as thanks.
      expect(balances.ann.account).toMatchObject({ balance: 130, held: 0 });
      expect(balances.ben.account).toMatchObject({ balance: 70, held: 0 });
      expect(lines.length).toBeGreaterThan(5);
      // The inbox links each notification to its subject.
      expect(lines.find((l) => l.startsWith("Ann's inbox"))).toMatch(new RegExp(`TRADE_PROPOSED → trade ${receivedLive.id}`));
    }, 120_000);

    it("walks an admin's day: a dispute appears, is taken and resolved; a report leads to a takedown; a member is suspended and reinstated; the audit log shows each step", async () => {
      const day = await adminDay({
        gatewayUrl,
        admin: await adminCredentials(),
        verificationToken: (email) => verificationToken(email),
        memberHeaders: member,
      });
      expect(day.queued).toMatchObject({
        openedBy: "PARTY",
        reason: "The lamp never arrived.",
        assignee: null,
        trade: { escrow: { amount: 10, status: "HELD" } },
      });
      expect(day.resolvedStatus).toBe("RESOLVED");
      expect(day.listingSeenAfterTakedown).toBe(false);
      expect(day.suspension).toEqual({ reason: "Listing counterfeit goods.", until: null });
      expect(day.refusedWhileSuspended).toEqual(["MEMBER_SUSPENDED"]);
      expect(day.audit.map((e) => e.action)).toEqual(["MEMBER_REINSTATED", "MEMBER_SUSPENDED", "REPORT_RESOLVED", "DISPUTE_RESOLVED", "DISPUTE_TAKEN"]);
      expect(day.audit.find((e) => e.action === "DISPUTE_RESOLVED")).toMatchObject({
        reason: "Dan confirmed the lamp was never handed over.",
        details: { outcome: "CANCEL" },
      });
    }, 90_000);

    it("browses with a filter, uploads a listing photo and reads the listing with photos and owner", async () => {
      const { ann, ben } = ran();
      const { categories } = await ben.client.request(CategoriesDocument);
      const created = await ann.client.request(CreateListingDocument, {
        input: { title: "Garden chair", description: "Teak, weathered.", categoryId: categories[0]!.id, condition: "FAIR", creditPrice: 5 },
      });
      expect(created.createListing.errors).toEqual([]);
      const chair = created.createListing.listing!;
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 220, g: 30, b: 30 } } })
        .png()
        .toBuffer();
      const { uploadListingPhoto } = await ann.client.upload(
        UploadListingPhotoDocument,
        { listingId: chair.id, file: new Blob([new Uint8Array(png)], { type: "image/png" }) },
        { file: "chair.png" },
      );
      expect(uploadListingPhoto.errors).toEqual([]);
      expect(uploadListingPhoto.media).toMatchObject({ contentType: "image/png", byteSize: png.length });

      const { listing } = await ann.client.request(ListingDetailDocument, { id: chair.id });
      expect(listing).toMatchObject({ id: chair.id, status: "DRAFT", owner: { id: ann.id, displayName: "Ann" } });
      expect((listing!.photos ?? []).map((p) => p.id)).toEqual([uploadListingPhoto.media!.id]);
      expect((await ann.client.request(PublishListingDocument, { id: chair.id })).publishListing.errors).toEqual([]);

      // Others see ACTIVE listings only: the chair, not the drill Ann traded away.
      const { listings } = await ben.client.request(BrowseListingsDocument, { filter: { ownerId: ann.id, conditions: ["FAIR"] }, first: 5 });
      expect(listings.edges.map((e) => e.node.id)).toEqual([chair.id]);
      expect(listings.edges[0]!.node).toMatchObject({ status: "ACTIVE", owner: { id: ann.id, displayName: "Ann" }, category: { id: categories[0]!.id } });

      const { suggest } = await ben.client.request(SuggestDocument, { prefix: "dri", limit: 5 });
      expect(Array.isArray(suggest)).toBe(true);
    }, 60_000);

    it("cancels and declines proposals, follows one trade by id, and lists a member's trades", async () => {
      const { ann, ben, listingId } = ran();
      const socket = createSubscriptionClient({ url: inject("wsUrl"), token: ben.accessToken, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
      try {
        const propose = async () =>
          (
            await ben.client.request(ProposeTradeDocument, {
              idempotencyKey: randomUUID(),
              input: { recipientId: ann.id, offeredCredits: 1, requestedCredits: 0, message: "one more thing" },
            })
          ).proposeTrade;
        const first = await propose();
        expect(first.errors).toEqual([]);
        // tradeUpdated(id) answers the trade as it is now, then each change.
        const events = subscribe(socket, TradeUpdatedDocument, { id: first.trade!.id });
        expect((await events.next()).value).toMatchObject({ tradeUpdated: { id: first.trade!.id, status: "PROPOSED" } });
        const cancelled = (await ben.client.request(CancelTradeDocument, { id: first.trade!.id })).cancelTrade;
        expect(cancelled).toMatchObject({ errors: [], trade: { status: "CANCELLED" } });
        for (;;) {
          const next = (await events.next()).value;
          if (next && next.tradeUpdated.status === "CANCELLED") break;
        }
        await events.return();

        const second = await propose();
        const declined = (await ann.client.request(DeclineTradeDocument, { id: second.trade!.id })).declineTrade;
        expect(declined).toMatchObject({ errors: [], trade: { status: "DECLINED" } });
        expect((await ann.client.request(TradeDocument, { id: second.trade!.id })).trade).toMatchObject({ status: "DECLINED" });

        const { me } = await ben.client.request(MyTradesDocument, { status: "COMPLETED", first: 10 });
        expect(me!.trades!.edges.map((e) => e.node.requestedListings?.map((l) => l.id))).toContainEqual([listingId]);
      } finally {
        await socket.dispose();
      }
    }, 60_000);

    it("signs in and refreshes, and reports GraphQL errors with their code", async () => {
      const { ann } = ran();
      const client = new LocalexClient({ url: gatewayUrl, headers: member() });
      const { login } = await client.request(LoginDocument, { input: { email: ann.email, password: "correct horse battery staple" } });
      expect(login.user.id).toBe(ann.id);
      const { refreshSession } = await client.request(RefreshSessionDocument, { refreshToken: login.refreshToken });
      expect(refreshSession.accessToken).toEqual(expect.any(String));

      const failure = await client.request(MyTradesDocument, {}).then(
        (data) => data,
        (error: unknown) => error,
      );
      // Signed out, `me` is null rather than an error; an unknown trade id is null too. A bad
      // variable is a GraphQL error:
      expect(failure).toEqual({ me: null });
      const bad = await client.request(TradeDocument, { id: null as unknown as string }).catch((error: unknown) => error);
      expect(bad).toBeInstanceOf(GraphQLRequestError);
      expect((bad as GraphQLRequestError).codes).toContain("BAD_USER_INPUT");
    });
  });
});
