export { detectMediaType, type DetectedType, type DetectOptions } from "./detect.ts";
export { acceptedTypesText, IMAGE_TYPES, PDF, type ImageMime } from "./formats.ts";
export { inspectImage, type ImageHeader, type InspectOptions } from "./inspect.ts";
export { isMediaRejected, MediaRejected, type RejectionCode } from "./rejection.ts";
export { canDecodeHeic, IMAGE_JOB_CONCURRENCY } from "./sharp.ts";
export {
  renderOriginal,
  renderResizedVariants,
  renderVariants,
  VARIANT_LONG_EDGE,
  type RenderedVariant,
  type RenderOptions,
  type ResizedVariantName,
  type VariantName,
} from "./variants.ts";
