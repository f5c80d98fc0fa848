// Every read of uploaded bytes, in a small pool of decoder processes that hold no secret
// (decoder-process.ts). Same functions, same results and refusals (MediaRejected with its
// code and message) as processing/ in-process; a decoder that dies or overruns its time limit
// fails its request with DecoderFailed (retryable) and is replaced on the next request.
import type { DetectedType, DetectOptions } from "../detect.ts";
import type { ImageHeader, InspectOptions } from "../inspect.ts";
import type { RenderedVariant, RenderOptions, ResizedVariantName, VariantName } from "../variants.ts";
import { DecoderChild, DecoderFailed, type ChildOptions } from "./decoder-child.ts";
import { checkedInput, checkedOutputs, lend, takeBack, type Owner } from "./handover.ts";
import type { Operation, Operations } from "./protocol.ts";

export interface DecoderOptions extends ChildOptions {
  /** Decoders at most; requests beyond wait their turn. */
  size?: number;
  /** The longest one request may take before its decoder is killed. */
  timeoutMs?: number;
}

// One for the job worker's render (IMAGE_JOB_CONCURRENCY is 1), one for the header checks of
// uploads arriving meanwhile, so a member's upload never waits behind someone's render.
export const DECODER_POOL_SIZE = 2;
// A 50-MP AVIF's ORIGINAL takes ~45 s here (variants.ts); a decoder past this is stuck.
export const DECODE_TIME_LIMIT_MS = 120_000;

export class IsolatedDecoder {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly children = new Set<DecoderChild>();
  private readonly idle: DecoderChild[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** The decoder's own user (MEDIA_DECODER_UID), when it has one. */
  private readonly owner: Owner | null;

  constructor(private readonly options: DecoderOptions = {}) {
    this.size = options.size ?? DECODER_POOL_SIZE;
    this.timeoutMs = options.timeoutMs ?? DECODE_TIME_LIMIT_MS;
    this.owner = options.uid === undefined ? null : { uid: options.uid, gid: options.gid ?? options.uid };
    if (this.owner && process.getuid?.() !== 0)
      throw new Error("MEDIA_DECODER_UID needs the media process to run as root (only root may start a process as another user).");
  }

  detectMediaType(filePath: string, options: DetectOptions = {}): Promise<DetectedType> {
    return this.run("detectMediaType", [filePath, options]);
  }

  inspectImage(filePath: string, options: InspectOptions): Promise<ImageHeader> {
    return this.run("inspectImage", [filePath, { maxPixels: options.maxPixels }]);
  }

  renderVariants(inputPath: string, outDir: string, options: RenderOptions): Promise<Record<VariantName, RenderedVariant>> {
    return this.run("renderVariants", [inputPath, outDir, { maxPixels: options.maxPixels }], options.onProgress);
  }

  renderResizedVariants(inputPath: string, outDir: string, options: RenderOptions): Promise<Record<ResizedVariantName, RenderedVariant>> {
    return this.run("renderResizedVariants", [inputPath, outDir, { maxPixels: options.maxPixels }], options.onProgress);
  }

  renderOriginal(inputPath: string, outDir: string, options: RenderOptions): Promise<RenderedVariant> {
    return this.run("renderOriginal", [inputPath, outDir, { maxPixels: options.maxPixels }], options.onProgress);
  }

  /** Starts a decoder ahead of the first upload, so that one does not wait for it to load. */
  warm(): void {
    if (!this.closed && this.children.size === 0) this.idle.push(this.start());
  }

  /** The decoders' process ids (for operators and tests). */
  pids(): number[] {
    return [...this.children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /** Stops every decoder and waits until each has exited; requests after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.children].map((child) => child.stop()));
  }

  private async run<O extends Operation>(op: O, args: Operations[O]["args"], onProgress?: (fraction: number) => void): Promise<Operations[O]["result"]> {
    const [input, outDir] = [args[0], typeof args[1] === "string" ? args[1] : undefined];
    const child = await this.acquire();
    let result: Operations[O]["result"];
    try {
      if (this.owner) await lend(this.owner, input, outDir);
      result = await child.request(op, args, this.timeoutMs, onProgress);
    } finally {
      if (this.owner) await takeBack(input, outDir);
      this.release(child);
    }
    await checkedInput(input);
    return outDir ? checkedOutputs(outDir, result as never) : result;
  }

  private async acquire(): Promise<DecoderChild> {
    for (;;) {
      if (this.closed) throw new DecoderFailed("The image decoder is stopping with the media process; the work can be retried.");
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.children.size < this.size) return this.start();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): DecoderChild {
    const child = new DecoderChild({ env: this.options.env, uid: this.owner?.uid, gid: this.owner?.gid }, (gone) => {
      this.children.delete(gone);
      const at = this.idle.indexOf(gone);
      if (at >= 0) this.idle.splice(at, 1);
      this.waiting.shift()?.();
    });
    this.children.add(child);
    return child;
  }

  private release(child: DecoderChild): void {
    if (!child.alive || this.closed) return;
    this.idle.push(child);
    this.waiting.shift()?.();
  }
}
