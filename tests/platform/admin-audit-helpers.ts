// Reading the admin audit log (docs/audit.md) as an admin would, for the admin-audit tests.
import postgres from "postgres";
import { inject } from "vitest";
import { GatewayClient, signInAdmin } from "../harness/client.ts";
export { anotherAdmin } from "../harness/client.ts";

export const AUDIT_LOG = /* GraphQL */ `query ($filter: AdminAuditFilter, $first: Int, $after: String) {
  adminAuditLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id at actor action admin { id } subject { kind id } members { id } reason details } }
  } }`;

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  admin: { id: string } | null;
  subject: { kind: string; id: string };
  members: { id: string }[];
  reason: string | null;
  details: Record<string, unknown>;
}
export interface AuditPage {
  adminAuditLog: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: AuditEntry }[] };
}
export interface AuditFilter {
  adminId?: string;
  memberId?: string;
  actions?: string[];
  from?: string;
  to?: string;
}

/** Every entry the filter selects (at most 100), newest first, as the harness's admin reads them. */
export async function auditEntries(filter: AuditFilter, admin?: GatewayClient): Promise<AuditEntry[]> {
  const client = admin ?? (await signInAdmin());
  const { adminAuditLog } = await client.data<AuditPage>(AUDIT_LOG, { filter, first: 100 });
  return adminAuditLog.edges.map((e) => e.node);
}

/** The harness's admin and its id. */
export async function harnessAdmin(): Promise<{ id: string; client: GatewayClient }> {
  const client = await signInAdmin();
  const { me } = await client.data<{ me: { id: string } }>(`{ me { id } }`);
  return { id: me.id, client };
}

let db: postgres.Sql | undefined;
/** The database as the graph under test connects to it (the application's role). */
export function graphDatabase(): postgres.Sql {
  db ??= postgres(inject("databaseUrl"), { max: 2, onnotice: () => {} });
  return db;
}
