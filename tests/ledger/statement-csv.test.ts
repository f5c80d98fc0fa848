// A member's statement as CSV (issue 22), through a gateway as a front end uses it: requestStatement,
// the job followed live with jobUpdated over WebSocket, the file downloaded over HTTP from S3 (a
// real s3rver) by Job.downloadUrl, parsed, and checked against ledgerEntries' totals for the range.
// The shared graph stores files on disk, so this file runs media on S3 beside it: its own media
// (its own database, so the shared media's worker never takes its jobs), its own ledger (on the
// shared database, calling this media) and its own gateway; identity, listings, trades and search
// are the shared graph's.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayClient, registerUser, signInAdmin, wsClient, type TestUser } from "../harness/client.ts";
import { freePort, freshDatabase, type FreshDatabase } from "../harness/databases.ts";
import { servePiece, stopPiece, untilHealthy, type Piece } from "../harness/pieces.ts";
import { startS3rver, type StandIn } from "../harness/stand-ins.ts";
import { Subscription } from "../harness/subscription.ts";
import { grantTo, TRANSFER, type Transferred } from "./helpers.ts";
import { besideSharedGraph } from "../harness/beside.ts";

const REQUEST = /* GraphQL */ `
  mutation ($from: DateTime, $to: DateTime, $kinds: [String!]) {
    requestStatement(from: $from, to: $to, kinds: $kinds) { job { id kind status } errors { code message field } }
  }
`;
const ENTRIES = /* GraphQL */ `
  query ($from: DateTime, $to: DateTime, $kinds: [String!]) {
    ledgerEntries(first: 100, from: $from, to: $to, kinds: $kinds) {
      edges { node { kind amount balanceAfter memo counterparty { id } createdAt } }
      totals { count credited debited net openingBalance closingBalance }
    }
  }
`;
const JOB_UPDATED = `subscription ($id: ID!) { jobUpdated(id: $id) { id status progress downloadUrl } }`;
const JOB = `query ($id: ID!) { job(id: $id) { id kind status downloadUrl } }`;

type Refusal = { code: string; message: string; field: string | null };
type Requested = { requestStatement: { job: { id: string; kind: string; status: string } | null; errors: Refusal[] } };
type Entry = { kind: string; amount: number; balanceAfter: number; memo: string | null; counterparty: { id: string } | null; createdAt: string };
type Totals = { count: number; credited: number; debited: number; net: number; openingBalance: number; closingBalance: number };
type Entries = { ledgerEntries: { edges: { node: Entry }[]; totals: Totals } };
type JobState = { id: string; status: string; progress: number | null; downloadUrl: string | null };

const HEADER = ["date", "kind", "description", "counterpart_id", "credited", "debited", "balance_after"];
/** Statements one member may ask for in this file's ledger (RATE_LIMIT_STATEMENT_PER_ACCOUNT). */
const STATEMENTS_PER_HOUR = 3;

/** RFC 4180: records end CRLF; a quoted field may hold commas, CRLF and doubled quotes. Strict: anything else throws. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), i++;
        else if (text[i] === '"') break;
        else field += text[i];
      }
      i++;
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ",") i++;
    else if (text.startsWith("\r\n", i)) records.push(record), (record = []), (i += 2);
    else throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
  }
  if (record.length > 0) throw new Error("the last record does not end with CRLF");
  return records;
}

describe("[own ledger, media on S3 and gateway] requestStatement: a statement as CSV by job", () => {
  let s3: StandIn | undefined;
  let mediaDatabase: FreshDatabase | undefined;
  let pieces: Piece[] = [];
  let gatewayUrl: string;
  let wsUrl: string;
  const bucket = `localex-statements-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const keys = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
    [s3, mediaDatabase] = await Promise.all([startS3rver({ bucket, ...keys }), freshDatabase(inject("databaseUrl"), "localex_statements")]);
    const [ledgerPort, mediaPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
    const env = besideSharedGraph(
      { ledger: `http://127.0.0.1:${ledgerPort}/graphql`, media: `http://127.0.0.1:${mediaPort}/graphql` },
      {
        LEDGER_PORT: String(ledgerPort),
        MEDIA_PORT: String(mediaPort),
        PORT: String(gatewayPort),
        RATE_LIMIT_STATEMENT_PER_ACCOUNT: `${STATEMENTS_PER_HOUR}/3600`,
      },
    );
    const s3Env = {
      STORAGE_DRIVER: "s3",
      S3_ENDPOINT: s3.url,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: keys.accessKeyId,
      S3_SECRET_ACCESS_KEY: keys.secretAccessKey,
    };
    const media = servePiece("media", { ...env, ...s3Env, DATABASE_URL: mediaDatabase.url });
    const ledger = servePiece("ledger", env);
    const gateway = servePiece("gateway", env);
    pieces = [gateway, ledger, media];
    await untilHealthy(`http://127.0.0.1:${mediaPort}/health`, media);
    await untilHealthy(`http://127.0.0.1:${ledgerPort}/health`, ledger);
    await untilHealthy(`http://127.0.0.1:${gatewayPort}/health`, gateway);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    wsUrl = `ws://127.0.0.1:${gatewayPort}/graphql`;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(pieces.map((p) => stopPiece(p)));
    await Promise.all([s3?.stop(), mediaDatabase?.drop()]);
  }, 60_000);

  /** The member's client on this file's gateway. */
  const on = (user: TestUser) => new GatewayClient(gatewayUrl, user.accessToken);

  /** A fresh member holding `amount` credits an admin granted (all of them transferable). */
  async function memberWith(amount: number): Promise<TestUser> {
    const user = await registerUser({ verify: false });
    await grantTo(user, amount);
    return user;
  }

  async function send(from: TestUser, to: TestUser, amount: number, memo: string): Promise<void> {
    const { transferCredits } = await on(from).data<Transferred>(TRANSFER, { input: { toUserId: to.id, amount, memo }, key: randomUUID() });
    expect(transferCredits.errors).toEqual([]);
  }

  /** Follows the job over this gateway's WebSocket until it has SUCCEEDED; returns what it said then. */
  async function followUntilDone(user: TestUser, jobId: string): Promise<JobState> {
    const client = wsClient(user.accessToken, wsUrl);
    try {
      const updates = new Subscription<{ jobUpdated: JobState }>(client, JOB_UPDATED, { id: jobId });
      const done = await updates.until((r) => ["SUCCEEDED", "DEAD", "FAILED"].includes(r.data?.jobUpdated.status ?? ""), "the statement job to end", 60_000);
      return done.data!.jobUpdated;
    } finally {
      await client.dispose();
    }
  }

  let statement: { ann: TestUser; bob: TestUser; jobId: string; downloadUrl: string } | undefined;

  it("writes the range's entries, oldest first, with an opening and a totals row that are ledgerEntries' totals; downloaded from S3 by its owner", async () => {
    const [ann, bob] = await Promise.all([memberWith(100), memberWith(50)]);
    await send(ann, bob, 30, "chair");
    await send(bob, ann, 5, '=1+2, "the lamp"'); // quoting, and text a spreadsheet would run
    await grantTo(ann, 20);
    await send(ann, bob, 7, "after the range");
    const all = (await on(ann).data<Entries>(ENTRIES, {})).ledgerEntries.edges.map((e) => e.node);
    expect(all.map((e) => [e.kind, e.amount])).toEqual([
      ["transfer", -7],
      ["grant", 20],
      ["transfer", 5],
      ["transfer", -30],
      ["grant", 100],
    ]);
    const times = all.map((e) => e.createdAt);
    expect(new Set(times).size).toBe(times.length); // distinct instants, so the range's ends fall between entries
    // From the -30 transfer (inclusive) to the -7 one (exclusive): the first grant and the last transfer are outside.
    const range = { from: times[3], to: times[0] };
    const expected = (await on(ann).data<Entries>(ENTRIES, range)).ledgerEntries;
    expect(expected.totals).toEqual({ count: 3, credited: 25, debited: 30, net: -5, openingBalance: 100, closingBalance: 95 });

    const { requestStatement } = await on(ann).data<Requested>(REQUEST, range);
    expect(requestStatement.errors).toEqual([]);
    expect(requestStatement.job).toMatchObject({ kind: "media:ledger-statement" });
    const jobId = requestStatement.job!.id;
    const done = await followUntilDone(ann, jobId);
    expect(done).toMatchObject({ id: jobId, status: "SUCCEEDED", progress: 1 });
    expect(done.downloadUrl!.startsWith(`${s3!.url}/${bucket}/private/statements/${ann.id}/`)).toBe(true);

    const response = await fetch(done.downloadUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${jobId}.csv"`);
    const records = parseCsv(await response.text());
    expect(records[0]).toEqual(HEADER);
    for (const record of records) expect(record).toHaveLength(HEADER.length);
    // Integers only, never signed: in and out are columns of their own.
    for (const record of records.slice(1)) for (const n of record.slice(4)) expect(n).toMatch(/^\d*$/);

    const [opening, ...rest] = records.slice(1);
    const totalsRow = rest.pop()!;
    expect(opening).toEqual([range.from, "opening", "Opening balance", "", "", "", String(expected.totals.openingBalance)]);
    expect(totalsRow).toEqual([
      range.to,
      "total",
      "Totals of 3 entries",
      "",
      String(expected.totals.credited),
      String(expected.totals.debited),
      String(expected.totals.closingBalance),
    ]);
    // The rows are ledgerEntries' for the range, oldest first.
    const rows = expected.edges.map((e) => e.node).reverse();
    expect(rest).toEqual(
      rows.map((e) => [
        e.createdAt,
        e.kind,
        e.memo?.startsWith("=") ? `'${e.memo}` : (e.memo ?? (e.kind === "grant" ? "Credits granted" : "Transfer")),
        e.counterparty?.id ?? "",
        e.amount > 0 ? String(e.amount) : "",
        e.amount < 0 ? String(-e.amount) : "",
        String(e.balanceAfter),
      ]),
    );
    expect(rest.map((r) => r[2])).toEqual(["chair", `'=1+2, "the lamp"`, "test credits"]);
    // What the CSV adds up to is what its totals row says.
    expect(rest.reduce((sum, r) => sum + Number(r[4] || 0), 0)).toBe(expected.totals.credited);
    expect(rest.reduce((sum, r) => sum + Number(r[5] || 0), 0)).toBe(expected.totals.debited);
    // Outside the range: the first grant (before `from`) and the last transfer (at `to`, exclusive)
    // are absent; inside it, the transfer at `from` is present (the control).
    expect(rest.some((r) => r[0] === times[3] && r[2] === "chair")).toBe(true);
    expect(rest.some((r) => r[2] === "after the range" || r[0] === times[0])).toBe(false);
    expect(rest.some((r) => r[0] === times[4])).toBe(false);
    statement = { ann, bob, jobId, downloadUrl: done.downloadUrl! };
  });

  it("is its owner's alone: another member sees neither the job nor its link, an admin sees the job without the link", async () => {
    expect(statement, "the test above ran").toBeDefined();
    const { ann, bob, jobId } = statement!;
    // Positive control: the owner sees the job and gets a link that downloads.
    const owned = (await on(ann).data<{ job: { status: string; downloadUrl: string | null } }>(JOB, { id: jobId })).job;
    expect(owned).toMatchObject({ status: "SUCCEEDED", downloadUrl: expect.stringMatching(/X-Amz-Signature=/) });
    expect((await fetch(owned.downloadUrl!)).status).toBe(200);
    // Another member: no job, and jobUpdated refuses to follow it (the owner's own subscription is the control).
    expect((await on(bob).data<{ job: unknown }>(JOB, { id: jobId })).job).toBeNull();
    const [annWs, bobWs] = [wsClient(ann.accessToken, wsUrl), wsClient(bob.accessToken, wsUrl)];
    try {
      const owner = new Subscription<{ jobUpdated: JobState }>(annWs, JOB_UPDATED, { id: jobId });
      expect((await owner.until(() => true, "the job's current state")).data?.jobUpdated).toMatchObject({
        id: jobId,
        status: "SUCCEEDED",
        downloadUrl: expect.any(String),
      });
      const stranger = new Subscription(bobWs, JOB_UPDATED, { id: jobId });
      await stranger.end();
      expect(stranger.results).toEqual([{ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] }]);
    } finally {
      await Promise.all([annWs.dispose(), bobWs.dispose()]);
    }
    // An admin reviews jobs, but a member's statement is theirs to download.
    const admin = new GatewayClient(gatewayUrl, (await signInAdmin()).token);
    expect((await admin.data<{ job: { status: string; downloadUrl: string | null } }>(JOB, { id: jobId })).job).toMatchObject({
      status: "SUCCEEDED",
      downloadUrl: null,
    });
  });

  it("refuses, as data naming the argument, a range that ends before it begins and an unknown kind; a good range is accepted", async () => {
    const ann = await registerUser({ verify: false });
    const refused = async (variables: Record<string, unknown>) => (await on(ann).data<Requested>(REQUEST, variables)).requestStatement;
    expect(await refused({ from: "2026-02-01T00:00:00.000Z", to: "2026-01-01T00:00:00.000Z" })).toEqual({
      job: null,
      errors: [{ code: "INVALID_INPUT", message: "`to` is before `from`.", field: "to" }],
    });
    expect(await refused({ kinds: ["transfer", "bribe"] })).toMatchObject({ job: null, errors: [{ code: "INVALID_INPUT", field: "kinds" }] });
    // The control: the same range the right way round, and known kinds.
    const accepted = await refused({ from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z", kinds: ["transfer"] });
    expect(accepted).toMatchObject({ job: { kind: "media:ledger-statement" }, errors: [] });
    // A range with no entries is a statement too: the header, the opening and a totals row of nothing.
    const done = await followUntilDone(ann, accepted.job!.id);
    expect(done.status).toBe("SUCCEEDED");
    const records = parseCsv(await (await fetch(done.downloadUrl!)).text());
    expect(records).toEqual([
      HEADER,
      ["2026-01-01T00:00:00.000Z", "opening", "Opening balance", "", "", "", "0"],
      ["2026-02-01T00:00:00.000Z", "total", "Totals of 0 entries", "", "0", "0", "0"],
    ]);
  });

  it(`counts statements per member, like data exports: ${STATEMENTS_PER_HOUR} an hour here, then RATE_LIMITED`, async () => {
    const [ann, bob] = await Promise.all([registerUser({ verify: false }), registerUser({ verify: false })]);
    // Refusals do not count: the member can correct the range.
    await on(ann).data<Requested>(REQUEST, { kinds: ["bribe"] });
    for (let i = 0; i < STATEMENTS_PER_HOUR; i++) expect((await on(ann).data<Requested>(REQUEST, {})).requestStatement.errors).toEqual([]);
    const limited = await on(ann).request<Requested>(REQUEST, {});
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
    // Per member: another one still gets theirs (the control).
    expect((await on(bob).data<Requested>(REQUEST, {})).requestStatement.errors).toEqual([]);
  });
});
