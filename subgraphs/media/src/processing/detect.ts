import { fileTypeFromFile } from "file-type";
import { acceptedTypesText, IMAGE_TYPES, isImageMime, PDF } from "./formats.ts";
import { MediaRejected } from "./rejection.ts";
import { canDecodeHeic, decoding, HEIC_REFUSED, sharp } from "./sharp.ts";

export interface DetectOptions {
  /** The upload is a private document, so a PDF is acceptable (it is stored, never rendered). */
  allowPdf?: boolean;
  /** The Content-Type the client declared, if any: only compared with what the bytes say. */
  declaredType?: string | null;
}

export interface DetectedType {
  mime: string;
  kind: "image" | "document";
  ext: string;
}

/**
 * What the file is, read from its bytes (magic numbers), never from its name or declared
 * type. Throws MediaRejected: UNSUPPORTED_TYPE for anything but an accepted type,
 * TYPE_MISMATCH when `declaredType` names another type than the bytes.
 */
export async function detectMediaType(filePath: string, options: DetectOptions = {}): Promise<DetectedType> {
  const allowPdf = options.allowPdf ?? false;
  const found = await fileTypeFromFile(filePath);
  const detected = await accept(filePath, found?.mime, found?.ext, allowPdf);
  if (options.declaredType != null) checkDeclared(options.declaredType, detected.mime);
  return detected;
}

async function accept(filePath: string, mime: string | undefined, ext: string | undefined, allowPdf: boolean): Promise<DetectedType> {
  const accepted = acceptedTypesText(allowPdf);
  if (mime === undefined || ext === undefined) throw new MediaRejected("UNSUPPORTED_TYPE", `This file is not a type we accept. Upload a ${accepted} file.`);
  if (mime === PDF.mime) {
    if (allowPdf) return { mime, kind: "document", ext: PDF.ext };
    throw new MediaRejected("UNSUPPORTED_TYPE", `A PDF is accepted only as a private document. For a photo, upload a ${accepted} image.`);
  }
  // HEIF is a container; whether AV1 (AVIF) or HEVC (HEIC) is inside decides whether we can read it.
  if (/^image\/hei[cf](-sequence)?$/.test(mime)) return heif(filePath, accepted);
  if (isImageMime(mime)) return { mime, kind: "image", ext: IMAGE_TYPES[mime].ext };
  throw new MediaRejected("UNSUPPORTED_TYPE", `${ext.toUpperCase()} files are not accepted. Upload a ${accepted} file.`);
}

async function heif(filePath: string, accepted: string): Promise<DetectedType> {
  const { compression } = await decoding(sharp(filePath).metadata());
  if (compression === "av1") return { mime: "image/avif", kind: "image", ext: IMAGE_TYPES["image/avif"].ext };
  if (compression === "hevc" && canDecodeHeic()) return { mime: "image/heic", kind: "image", ext: IMAGE_TYPES["image/heic"].ext };
  if (compression === "hevc") throw new MediaRejected("UNSUPPORTED_TYPE", HEIC_REFUSED);
  throw new MediaRejected("UNSUPPORTED_TYPE", `This HEIF file is coded in a way we cannot read. Upload a ${accepted} file.`);
}

// Names clients use for the types we accept, beside the canonical ones.
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "image/x-png": "image/png",
  "image/heif": "image/heic",
  "image/heic-sequence": "image/heic",
  "image/heif-sequence": "image/heic",
  "application/x-pdf": "application/pdf",
};

function checkDeclared(declaredType: string, detectedMime: string): void {
  const declared = declaredType.split(";")[0]?.trim().toLowerCase() ?? "";
  // Browsers send these when they do not know; that is no claim to contradict.
  if (declared === "" || declared === "application/octet-stream") return;
  if ((ALIASES[declared] ?? declared) === detectedMime) return;
  throw new MediaRejected(
    "TYPE_MISMATCH",
    `The file was sent as ${declared}, but its contents are ${nameOf(detectedMime)}. Check that you picked the right file.`,
  );
}

function nameOf(mime: string): string {
  if (mime === PDF.mime) return "a PDF";
  if (!isImageMime(mime)) return mime;
  const name = IMAGE_TYPES[mime].name;
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name} image`;
}
