import { apiError, eventId, liveStream, TOPICS, type Caller, type DeliveryNotice, type EventBus } from "@localex/common";
import type { JobRow } from "../db/schema.ts";
import type { JobsStore } from "./jobs.store.ts";
import { canSeeJob } from "./visibility.ts";

/** `jobUpdated`: the job's current state, then each change; its owner and admins only. */
export async function followJob(events: EventBus, jobs: JobsStore, caller: Caller | null, id: string): Promise<AsyncIterableIterator<JobRow | DeliveryNotice>> {
  if (!caller) throw apiError("UNAUTHENTICATED", "Sign in to subscribe.");
  const visible = async (jobId: string | null) => {
    const job = jobId ? await jobs.byId(jobId) : null;
    return job && canSeeJob(job, caller) ? job : null;
  };
  if (!(await visible(id))) throw apiError("NOT_FOUND", `No Job with id "${id}" is visible to you.`);
  return liveStream(events, [TOPICS.job(id)], { initial: () => visible(id), next: (payload) => visible(eventId(payload) === id ? id : null) });
}
