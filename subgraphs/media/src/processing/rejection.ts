/** Why an upload was refused; the job records it and the member sees `message`. */
export type RejectionCode = "UNSUPPORTED_TYPE" | "TOO_MANY_PIXELS" | "CORRUPT_IMAGE" | "TYPE_MISMATCH" | "INFECTED";

/**
 * The file itself is the problem: retrying the same bytes cannot succeed. Anything else
 * thrown while processing (a full disk, a lost store) is ours and may be retried.
 */
export class MediaRejected extends Error {
  override readonly name = "MediaRejected";

  constructor(
    readonly code: RejectionCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isMediaRejected(error: unknown): error is MediaRejected {
  return error instanceof MediaRejected;
}
