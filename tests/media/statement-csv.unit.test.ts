// The statement's CSV (media/src/statements/): RFC 4180 fields, and the lines streamed page by
// page from the ledger, each page asked for only once the previous one was taken.
import { describe, expect, it } from "vitest";
import type { InternalClient } from "@localex/common";
import { csvField, csvLine, entryLine } from "../../subgraphs/media/src/statements/statement-csv.ts";
import { StatementMoved, statementLines } from "../../subgraphs/media/src/statements/statement-lines.ts";

describe("a statement's CSV fields", () => {
  it("quotes a field holding a comma, a quote, CR or LF, doubling its quotes; leaves others bare", () => {
    expect(csvField("chair")).toBe("chair");
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField('the "good" one')).toBe('"the ""good"" one"');
    expect(csvField("two\r\nlines")).toBe('"two\r\nlines"');
    expect(csvField(null)).toBe("");
    expect(csvLine(["x", 1, null, "y,z", 0, null, 7])).toBe('x,1,,"y,z",0,,7\r\n');
  });

  it("writes whole numbers only", () => {
    expect(csvField(-12)).toBe("-12");
    expect(() => csvField(1.5)).toThrow(RangeError);
  });

  it("defuses description text a spreadsheet would run as a formula, and only there", () => {
    for (const text of ["=1+2", "+1", "-1", "@SUM(A1)", "\tx"]) expect(csvField(text, { text: true })).toBe(`'${text}`);
    expect(csvField("=1,2", { text: true })).toBe(`"'=1,2"`);
    expect(csvField("plain", { text: true })).toBe("plain");
    const line = entryLine({ at: "2026-01-01T00:00:00.000Z", kind: "transfer", memo: "=HYPERLINK(x)", counterpartyId: null, amount: -3, balanceAfter: 4 });
    expect(line).toBe("2026-01-01T00:00:00.000Z,transfer,'=HYPERLINK(x),,,3,4\r\n");
  });

  it("describes an entry without a memo by its kind", () => {
    const line = entryLine({ at: "2026-01-01T00:00:00.000Z", kind: "welcome", memo: null, counterpartyId: null, amount: 100, balanceAfter: 100 });
    expect(line).toBe("2026-01-01T00:00:00.000Z,welcome,Welcome credits,,100,,100\r\n");
  });
});

/** A ledger of `count` entries of +1 each, served a page at a time as `ledgerStatement` does; logs each call. */
function fakeLedger(count: number, options: { totalsCount?: number } = {}) {
  const log: string[] = [];
  const internal = {
    request(_target: string, _document: unknown, variables: { after: string | null; first: number; withTotals: boolean }) {
      const start = variables.after === null ? 0 : Number(variables.after);
      const end = Math.min(start + variables.first, count);
      log.push(`page ${start}-${end}`);
      const rows = Array.from({ length: end - start }, (_, i) => ({
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, start + i)).toISOString(),
        kind: "grant",
        memo: `entry ${start + i}`,
        counterpartyId: null,
        amount: 1,
        balanceAfter: start + i + 1,
      }));
      const totals = {
        count: options.totalsCount ?? count,
        credited: options.totalsCount ?? count,
        debited: 0,
        net: count,
        openingBalance: 0,
        closingBalance: count,
      };
      return Promise.resolve({ ledgerStatement: { rows, nextCursor: end < count ? String(end) : null, ...(variables.withTotals ? { totals } : {}) } });
    },
  };
  return { internal: internal as unknown as InternalClient, log };
}

const INPUT = { from: null, to: "2026-02-01T00:00:00.000Z", kinds: null };

describe("a statement's lines", () => {
  it("come a page at a time, the next page asked for only once the previous chunk was taken", async () => {
    const { internal, log } = fakeLedger(25);
    const progress: number[] = [];
    const chunks: string[] = [];
    for await (const chunk of statementLines(internal, "member", INPUT, async (f) => void progress.push(f), 10)) {
      log.push(`chunk of ${chunk.toString().split("\r\n").length - 1} lines`);
      chunks.push(chunk.toString());
    }
    // Header and opening with the first page; the totals row after the last.
    expect(log).toEqual(["page 0-10", "chunk of 12 lines", "page 10-20", "chunk of 10 lines", "page 20-25", "chunk of 5 lines", "chunk of 1 lines"]);
    const lines = chunks.join("").split("\r\n");
    expect(lines[0]).toBe("date,kind,description,counterpart_id,credited,debited,balance_after");
    expect(lines[1]).toBe(",opening,Opening balance,,,,0");
    expect(lines[2]).toBe("2026-01-01T00:00:00.000Z,grant,entry 0,,1,,1");
    expect(lines.at(-2)).toBe("2026-02-01T00:00:00.000Z,total,Totals of 25 entries,,25,0,25");
    expect(progress.map((p) => Math.round(p * 100) / 100)).toEqual([0.36, 0.72, 0.9]);
  });

  it("fail when the rows read differ from the ledger's totals (a posting committed late), so the attempt is retried", async () => {
    const { internal } = fakeLedger(5, { totalsCount: 6 });
    const read = async () => {
      for await (const chunk of statementLines(internal, "member", INPUT, async () => {}, 2)) void chunk;
    };
    await expect(read()).rejects.toBeInstanceOf(StatementMoved);
    // The control: the same ledger whose totals agree.
    const agreeing = fakeLedger(5);
    let lines = 0;
    for await (const chunk of statementLines(agreeing.internal, "member", INPUT, async () => {}, 2)) lines += chunk.toString().split("\r\n").length - 1;
    expect(lines).toBe(1 + 1 + 5 + 1);
  });
});
