import type { Caller } from "@localex/common";
import type { JobRow } from "../db/schema.ts";

/** A job is its owner's and the admins' to see. */
export const canSeeJob = (job: Pick<JobRow, "ownerId">, caller: Caller | null): boolean =>
  caller !== null && (caller.userId === job.ownerId || caller.role === "admin");
