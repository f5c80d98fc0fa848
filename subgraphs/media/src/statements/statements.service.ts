import { Readable } from "node:stream";
import { enqueueJob, TASKS, type InternalClient } from "@localex/common";
import type { JobRow, Tx } from "../db/schema.ts";
import type { ResultJobs, ResultWork } from "../jobs/result-jobs.ts";
import type { BlobStore } from "../storage/index.ts";
import { STATEMENT_PAGE_ROWS, type StatementInput } from "./ledger-pages.ts";
import { statementLines } from "./statement-lines.ts";

export const STATEMENT_ATTEMPTS = 5;
export const STATEMENT_CONTENT_TYPE = "text/csv; charset=utf-8; header=present";

const isInstant = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v;

/** A job row's `input` as a statement's (written by `start`; anything else is a bug, and the attempt fails). */
export function statementInput(input: unknown): StatementInput {
  const { from, to, kinds } = (input ?? {}) as Record<string, unknown>;
  const kindsOk = kinds === null || (Array.isArray(kinds) && kinds.every((k) => typeof k === "string"));
  if (!(from === null || isInstant(from)) || !isInstant(to) || !kindsOk)
    throw new TypeError(`Not a statement's input: ${JSON.stringify(input)?.slice(0, 200)}`);
  return { from, to, kinds: kinds as string[] | null };
}

/**
 * Ledger statements (issue 22) as a result job, like data exports: the ledger's requestStatement
 * asks for one (startLedgerStatement); its task reads the member's entries back from the ledger
 * page by page and streams them as CSV into private storage, so no more than a page is held at
 * once however long the range; the owner downloads it from Job.downloadUrl.
 */
export class StatementsService {
  private readonly work: ResultWork;

  constructor(
    private readonly results: ResultJobs,
    private readonly blobs: BlobStore,
    private readonly internal: InternalClient,
    private readonly pageRows = STATEMENT_PAGE_ROWS,
  ) {
    this.work = { name: "statement", failing: "Writing your statement", produce: (job, progress) => this.write(job, progress) };
  }

  /** A new statement job for the member; refused (MEMBER_DEPARTING) once their files were forgotten. */
  start(userId: string, input: StatementInput): Promise<JobRow> {
    const checked = statementInput(input);
    return this.results.start(userId, { kind: TASKS.ledgerStatement, maxAttempts: STATEMENT_ATTEMPTS, input: { ...checked } }, (tx, jobId) =>
      this.enqueue(tx, jobId),
    );
  }

  async enqueue(tx: Tx, jobId: string): Promise<void> {
    await enqueueJob(tx, TASKS.ledgerStatement, { jobId }, { jobKey: `ledger-statement:${jobId}`, maxAttempts: STATEMENT_ATTEMPTS });
  }

  run(jobId: string, attempt: { attempts: number; maxAttempts: number }): Promise<void> {
    return this.results.run(jobId, attempt, this.work);
  }

  private async write(job: JobRow, progress: (fraction: number) => Promise<void>): Promise<string> {
    const input = statementInput(job.input);
    const key = `private/statements/${job.ownerId}/${job.id}.csv`;
    // Bytes, not objects: the stream reads ahead by bytes (about a page), never by 16 pages.
    const body = Readable.from(statementLines(this.internal, job.ownerId, input, progress, this.pageRows), { objectMode: false });
    await this.blobs.putStream(key, body, { contentType: STATEMENT_CONTENT_TYPE, cacheControl: "private, no-store" });
    return key;
  }
}
