import { canDecodeHeic } from "./sharp.ts";

/** Image types accepted for listing photos and avatars, by the MIME type read from the bytes. */
export const IMAGE_TYPES = {
  "image/jpeg": { ext: "jpg", name: "JPEG" },
  "image/png": { ext: "png", name: "PNG" },
  "image/webp": { ext: "webp", name: "WebP" },
  "image/avif": { ext: "avif", name: "AVIF" },
  "image/gif": { ext: "gif", name: "GIF" },
  "image/heic": { ext: "heic", name: "HEIC" },
} as const;

export type ImageMime = keyof typeof IMAGE_TYPES;

export const PDF = { mime: "application/pdf", ext: "pdf", name: "PDF" } as const;

export function isImageMime(mime: string): mime is ImageMime {
  return Object.hasOwn(IMAGE_TYPES, mime);
}

/** "JPEG, PNG, WebP, AVIF or GIF", as this server accepts them, for refusal messages. */
export function acceptedTypesText(allowPdf: boolean): string {
  const names: string[] = Object.values(IMAGE_TYPES)
    .filter((type) => type.name !== "HEIC" || canDecodeHeic())
    .map((type) => type.name);
  if (allowPdf) names.push(PDF.name);
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}
