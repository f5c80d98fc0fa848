import { MAX_BODY_BYTES, type Config, type UploadLimits } from "@localex/common";

/** Files in one multipart request: a few photos at a time, as the media subgraph accepts. */
const MAX_FILES_PER_REQUEST = 4;

/**
 * What the gateway accepts in a multipart request: what the media subgraph accepts, so a
 * request the gateway lets through is never refused behind it for its size.
 */
export function gatewayUploadLimits(config: Config): UploadLimits {
  return {
    maxFileSize: Math.max(config.MEDIA_MAX_IMAGE_BYTES, config.MEDIA_MAX_DOCUMENT_BYTES),
    maxFiles: MAX_FILES_PER_REQUEST,
    maxFieldSize: MAX_BODY_BYTES,
  };
}
