import sharp, { type SharpOptions } from "sharp";
import { MediaRejected } from "./rejection.ts";

// Sized for a 2-core machine. libvips gives each pipeline `concurrency` threads; we give
// it one and get our parallelism from running a photo's pipelines side by side on libuv's
// pool instead (renderVariants: the ORIGINAL re-encode beside the resize chain, the three
// WebP encodes at once), so one photo already keeps both cores busy. Measured here (best
// of several runs; a 12-MP JPEG, all four outputs): one photo 0.36 s; four photos one at a
// time 1.44–1.56 s, two at a time 1.39–1.40 s; with two libvips threads per pipeline
// 1.47–1.55 s and 1.44–1.52 s. Two photos at once gain under 10 %, within this machine's
// noise, for twice the peak memory; more threads gain nothing. So: one thread, and one
// photo at a time (IMAGE_JOB_CONCURRENCY). One thread is also sharp's own default on glibc
// without jemalloc; set here so every platform behaves the same.
sharp.concurrency(1);
// The operation cache only pays off when the same operation runs twice on the same input;
// every upload is new, and the cache would otherwise hold up to 50 MB and 20 open files.
sharp.cache(false);

/** Photos one media process should render at once; see above. */
export const IMAGE_JOB_CONCURRENCY = 1;

export { sharp };

/** Every decode: refuse over the pixel budget, and stop at the decoder's first warning. */
export function decodeOptions(maxPixels: number): SharpOptions {
  return { failOn: "warning", limitInputPixels: maxPixels, autoOrient: true };
}

/**
 * Whether this libvips can decode HEVC-coded HEIF (iPhone photos). heifload lists `.heic`
 * among its suffixes when built with an HEVC decoder; sharp's prebuilt libvips lists only
 * `.avif`, and a real HEIC fails there with "Support for this compression format has not
 * been built in: HEVC". A build that lists it and still fails is caught when decoding
 * (rejectionFor).
 */
export function canDecodeHeic(): boolean {
  return sharp.format.heif.input.fileSuffix?.includes(".heic") ?? false;
}

export const HEIC_REFUSED =
  "HEIC photos cannot be processed by this server (its image library has no HEVC decoder). " +
  "Choose JPEG as the format in your camera or export settings (on iPhone: Settings › Camera › Formats › Most Compatible) and upload again.";

// libvips names the loader that failed (VipsJpeg, vipspng, gifload, heif, …) or the
// header it could not parse; a failed save names the target or the saver instead.
const DECODER_FAILED = /VipsJpeg|vipspng|spng|gifload|webp|heif|corrupt header|premature end|unexpected end|bad seek|read error/i;
const OUTPUT_FAILED = /write|save|target/i;

/**
 * What a libvips error thrown while decoding says about the file, or null when it is not
 * about the file (then it is ours, e.g. a full disk, and the job may retry).
 */
export function rejectionFor(error: unknown): MediaRejected | null {
  if (!(error instanceof Error)) return null;
  const text = error.message;
  if (/exceeds pixel limit/i.test(text)) return new MediaRejected("TOO_MANY_PIXELS", "The image has more pixels than we can process.", { cause: error });
  if (/unsupported image format/i.test(text)) return new MediaRejected("UNSUPPORTED_TYPE", "The file is not an image we can read.", { cause: error });
  if (/compression format has not been built in|no decoding plugin/i.test(text)) return new MediaRejected("UNSUPPORTED_TYPE", HEIC_REFUSED, { cause: error });
  if (DECODER_FAILED.test(text) && !OUTPUT_FAILED.test(text)) return new MediaRejected("CORRUPT_IMAGE", CORRUPT_MESSAGE, { cause: error });
  return null;
}

export const CORRUPT_MESSAGE =
  "The image is damaged or incomplete (perhaps the upload was cut short) and cannot be read. Try saving it again, or upload another copy.";

// Failures of a step that only reads the input which are still ours.
const OURS = /input file is missing|memory|ENOMEM|EMFILE|ENFILE/i;

/**
 * Runs a sharp step, turning errors about the file into MediaRejected; other errors pass.
 * `readsOnly`: the step writes nothing (decoding to raw pixels), so whatever fails in it,
 * but for a missing file or a lack of memory, is the file's fault.
 */
export async function decoding<T>(step: Promise<T>, options: { readsOnly?: boolean } = {}): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const rejected = rejectionFor(error);
    if (rejected) throw rejected;
    if (options.readsOnly && error instanceof Error && !OURS.test(error.message)) throw new MediaRejected("CORRUPT_IMAGE", CORRUPT_MESSAGE, { cause: error });
    throw error;
  }
}
