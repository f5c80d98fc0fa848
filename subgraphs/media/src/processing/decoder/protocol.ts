// What the media process and its decoder say to each other over the IPC channel. Only file
// paths and plain results cross it: the decoder reads and writes the files, the parent owns
// the work directory and everything after (storage, the database).
import type { DetectedType, DetectOptions } from "../detect.ts";
import type { ImageHeader, InspectOptions } from "../inspect.ts";
import type { RejectionCode } from "../rejection.ts";
import type { RenderedVariant, ResizedVariantName, VariantName } from "../variants.ts";

/** Render options that can cross a process boundary (onProgress becomes progress messages). */
export interface RenderLimits {
  maxPixels: number;
}

export interface Operations {
  detectMediaType: { args: [filePath: string, options: DetectOptions]; result: DetectedType };
  inspectImage: { args: [filePath: string, options: InspectOptions]; result: ImageHeader };
  renderVariants: { args: [inputPath: string, outDir: string, limits: RenderLimits]; result: Record<VariantName, RenderedVariant> };
  renderResizedVariants: { args: [inputPath: string, outDir: string, limits: RenderLimits]; result: Record<ResizedVariantName, RenderedVariant> };
  renderOriginal: { args: [inputPath: string, outDir: string, limits: RenderLimits]; result: RenderedVariant };
}

export type Operation = keyof Operations;

export interface DecodeRequest<O extends Operation = Operation> {
  id: number;
  op: O;
  args: Operations[O]["args"];
}

export type DecodeReply =
  | { id: number; progress: number }
  | { id: number; result: unknown }
  /** `rejected`: the file is the problem (MediaRejected); otherwise a failure of ours. */
  | { id: number; error: { message: string; rejected?: RejectionCode } };

/** Sent once, when the decoder has loaded and is listening. */
export const DECODER_READY = "decoder-ready";
