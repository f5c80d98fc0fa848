import type { RecalledProduct } from "../db/schema.ts";

/** A product recall as the check needs it, whatever the source. */
export interface SourceRecall {
  recallNumber: string;
  recallId: number | null;
  title: string;
  url: string | null;
  /** `YYYY-MM-DD`, or null when the source gives none. */
  recallDate: string | null;
  products: RecalledProduct[];
}

/** The port: where recalls come from. */
export interface RecallSource {
  /** For logs: where it fetches from. */
  readonly description: string;
  /** Every recall the source lists now; throws when it cannot be reached or answers nonsense. */
  fetchRecalls(): Promise<SourceRecall[]>;
}

const FETCH_TIMEOUT_MS = 60_000;
/** The whole CPSC database is some tens of megabytes; anything far beyond is not a recall feed. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** A field as trimmed text: strings as they are, numbers written out, anything else empty. */
function text(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return "";
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the CPSC Recalls web service's JSON (https://www.saferproducts.gov/RestWebServices/Recall?format=json):
 * an array of recalls with RecallID, RecallNumber, RecallDate, Title, Description, URL, Products
 * [{ Name, Description, Model, Type, CategoryID, NumberOfUnits }], Manufacturers, Hazards, Remedies,
 * Images, … Fields the check does not use are ignored; recalls without a number or a title are skipped.
 */
export function parseCpscRecalls(body: unknown): SourceRecall[] {
  if (!Array.isArray(body)) throw new Error("the recall source did not answer a JSON array of recalls");
  const recalls: SourceRecall[] = [];
  for (const r of body) {
    if (!isObject(r)) continue;
    const recallNumber = text(r.RecallNumber);
    const title = text(r.Title);
    if (!recallNumber || !title) continue;
    const url = text(r.URL);
    const products = (Array.isArray(r.Products) ? r.Products : [])
      .filter(isObject)
      .map((p) => ({ name: text(p.Name).slice(0, 1000), model: text(p.Model).slice(0, 2000) }))
      .filter((p) => p.name || p.model);
    recalls.push({
      recallNumber: recallNumber.slice(0, 100),
      recallId: typeof r.RecallID === "number" && Number.isInteger(r.RecallID) ? r.RecallID : null,
      title: title.slice(0, 1000),
      url: /^https?:\/\//i.test(url) ? url.slice(0, 2000) : null,
      recallDate: isoDate(text(r.RecallDate)),
      products,
    });
  }
  return recalls;
}

/** `2024-03-14T00:00:00` (the service's form) or any date JavaScript reads, as `YYYY-MM-DD`. */
function isoDate(value: string): string | null {
  if (!value) return null;
  const direct = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  if (direct) return direct[1]!;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString().slice(0, 10);
}

/** The HTTP adapter: a GET of RECALLS_URL answering the CPSC Recalls web service's JSON. */
export class CpscHttpRecallSource implements RecallSource {
  constructor(private readonly url: string) {}

  get description(): string {
    const u = new URL(this.url);
    return `${u.origin}${u.pathname}`; // no query (it could carry a key)
  }

  async fetchRecalls(): Promise<SourceRecall[]> {
    const response = await fetch(this.url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the recall source answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw new Error(`the recall source's answer is too large (${length} bytes)`);
    }
    const body = await response.text();
    if (body.length > MAX_RESPONSE_BYTES) throw new Error("the recall source's answer is too large");
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new Error("the recall source did not answer JSON");
    }
    return parseCpscRecalls(json);
  }
}
