import { accepted, InternalCallError, refusal, unavailable, type InternalRequester, type Outcome } from "@localex/common";
import { startDataExport as startExportJob } from "./media-client.ts";

const departing = () => refusal("MEMBER_DEPARTING", "Your account is being deleted.");

/**
 * Asks media for a new export job. A member whose deletion was asked for gets none: refused here
 * when identity knows it, or by media (MEMBER_DEPARTING) once it forgot the member's files.
 */
export async function startDataExport(
  internal: InternalRequester,
  member: { id: string; deletionRequestedAt: Date | null } | null | undefined,
): Promise<Outcome<{ id: string }>> {
  if (!member || member.deletionRequestedAt) return departing();
  try {
    return accepted({ id: await startExportJob(internal, member.id) });
  } catch (e) {
    if (e instanceof InternalCallError && e.code === "MEMBER_DEPARTING") return departing();
    throw unavailable("media", e);
  }
}
