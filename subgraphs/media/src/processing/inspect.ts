import { MediaRejected } from "./rejection.ts";
import { decoding, sharp } from "./sharp.ts";

export interface InspectOptions {
  /** Largest width × height we decode (MEDIA_MAX_PIXELS). */
  maxPixels: number;
}

export interface ImageHeader {
  /** As displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
  /** libvips' loader name: jpeg, png, webp, gif, heif. */
  format: string;
}

/**
 * Reads the image header only (no pixels are decoded) and refuses a pixel bomb: a small
 * file that claims more pixels than `maxPixels` (TOO_MANY_PIXELS). A file that is not a
 * readable image is refused too (UNSUPPORTED_TYPE or CORRUPT_IMAGE); damage past the
 * header shows only when decoding, which renderVariants does.
 */
export async function inspectImage(filePath: string, options: InspectOptions): Promise<ImageHeader> {
  // No pixel limit on this sharp instance: we compare the header with the budget ourselves,
  // to give the member a message with the numbers in it.
  const header = await decoding(sharp(filePath, { failOn: "warning", limitInputPixels: false }).metadata());
  const pixels = header.width * header.height;
  if (!(pixels > 0)) throw new MediaRejected("CORRUPT_IMAGE", "The image has no size in its header and cannot be read.");
  if (pixels > options.maxPixels)
    throw new MediaRejected(
      "TOO_MANY_PIXELS",
      `The image is ${header.width} × ${header.height} pixels (${megapixels(pixels)} MP); ` +
        `the most we accept is ${megapixels(options.maxPixels)} MP. Scale it down and upload again.`,
    );
  return { width: header.autoOrient.width, height: header.autoOrient.height, format: header.format };
}

function megapixels(pixels: number): string {
  return (pixels / 1_000_000).toLocaleString("en", { maximumFractionDigits: 1 });
}
