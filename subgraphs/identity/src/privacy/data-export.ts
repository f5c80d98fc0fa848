import { InternalCallError, unavailable, userError, type InternalRequester, type UserError } from "@localex/common";
import { startDataExport as startExportJob } from "./media-client.ts";

/** requestDataExport's result: the export's job, or why none was started. */
export interface ExportOutcome {
  job: { id: string } | null;
  errors: UserError[];
}

const departing = (): ExportOutcome => ({ job: null, errors: [userError("MEMBER_DEPARTING", "Your account is being deleted.")] });

/**
 * Asks media for a new export job. A member whose deletion was asked for gets none: refused here
 * when identity knows it, or by media (MEMBER_DEPARTING) once it forgot the member's files.
 */
export async function startDataExport(internal: InternalRequester, member: { id: string; deletionRequestedAt: Date | null } | null | undefined): Promise<ExportOutcome> {
  if (!member || member.deletionRequestedAt) return departing();
  try {
    return { job: { id: await startExportJob(internal, member.id) }, errors: [] };
  } catch (e) {
    if (e instanceof InternalCallError && e.code === "MEMBER_DEPARTING") return departing();
    throw unavailable("media", e);
  }
}
