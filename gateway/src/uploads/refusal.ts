import type { FileNotForwarded } from "./multipart.ts";
import { apiError, formatBytes } from "@localex/common";

/**
 * What the client is told when one of its files could not be sent on: over the size limit
 * (HTTP 413, as if the gateway had refused the request), arriving too slowly (408), missing or
 * cut off (400). Anything else (a disk error spooling it) is ours and stays an internal error.
 */
export function fileRefusal(failure: FileNotForwarded, maxFileBytes: number): Error {
  const file = failure.filename ? `The file “${failure.filename}”` : "A file";
  switch (statusOf(failure.cause)) {
    case 413:
      return apiError("PAYLOAD_TOO_LARGE", `${file} is larger than ${formatBytes(maxFileBytes)}, the largest upload accepted.`, { http: { status: 413 } });
    case 408:
      return apiError("UPLOAD_TOO_SLOW", `${file} was not accepted: ${messageOf(failure.cause)}`, { http: { status: 408 } });
    case 400:
    case 499:
      return apiError("BAD_REQUEST", `${file} did not arrive in full: ${messageOf(failure.cause)}`, { http: { status: 400 } });
    default:
      return failure;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === "number" ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
