import type { ListingRow } from "../db/schema.ts";

/** A listings row as `row_to_json` spells it, for the statements drizzle's builder cannot express. */
export interface ListingJson {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  category_id: string;
  condition: ListingRow["condition"];
  status: ListingRow["status"];
  credit_price: number | null;
  lat: number | null;
  lon: number | null;
  attributes: Record<string, string>;
  trade_id: string | null;
  version: number;
  create_key: string | null;
  create_fingerprint: string | null;
  created_at: string;
  updated_at: string;
  taken_down_at: string | null;
  taken_down_reason: string | null;
  taken_down_report_id: string | null;
  owner_suspended_at: string | null;
}

export function fromJson(j: ListingJson): ListingRow {
  return {
    id: j.id,
    ownerId: j.owner_id,
    title: j.title,
    description: j.description,
    categoryId: j.category_id,
    condition: j.condition,
    status: j.status,
    creditPrice: j.credit_price,
    lat: j.lat,
    lon: j.lon,
    attributes: j.attributes,
    tradeId: j.trade_id,
    version: Number(j.version),
    createKey: j.create_key,
    createFingerprint: j.create_fingerprint,
    createdAt: new Date(j.created_at),
    updatedAt: new Date(j.updated_at),
    takenDownAt: j.taken_down_at === null ? null : new Date(j.taken_down_at),
    takenDownReason: j.taken_down_reason,
    takenDownReportId: j.taken_down_report_id,
    ownerSuspendedAt: j.owner_suspended_at === null ? null : new Date(j.owner_suspended_at),
  };
}
