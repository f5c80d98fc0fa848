// One decoder process, seen from the media process: started with an allow-listed environment,
// one request at a time, and whatever happens to the process (killed, crashed, stuck past its
// time limit) fails that request as ours (DecoderFailed: retryable), never as the file's fault.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MediaRejected } from "../rejection.ts";
import { decoderEnv } from "./decoder-env.ts";
import { DECODER_READY, type DecodeReply, type Operation, type Operations } from "./protocol.ts";

const ENTRY = fileURLToPath(new URL("./decoder-process.ts", import.meta.url));
// Run from the repository's root, as `pnpm serve` runs, with the same TypeScript loader.
const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const LOAD_TYPESCRIPT = fileURLToPath(new URL("../../../../../packages/stack/load-typescript.mjs", import.meta.url));

// Loading Node, swc and libvips: under a second here when idle, a few on a loaded machine.
const START_LIMIT_MS = 30_000;
const STARTED_SLOWLY = `The image decoder did not start within ${START_LIMIT_MS / 1000} s; the work can be retried.`;

/** The decoder process failed, not the file: the same file may well succeed on a fresh one. */
export class DecoderFailed extends Error {
  override readonly name = "DecoderFailed";
}

export interface ChildOptions {
  /** The environment the allow-list is taken from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (the media process must be root to switch). */
  uid?: number;
  gid?: number;
}

interface Pending {
  id: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (fraction: number) => void;
  timer: NodeJS.Timeout;
}

export class DecoderChild {
  readonly process: ChildProcess;
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<void>;
  private readonly ready: Promise<void>;
  private pending: Pending | null = null;
  private nextId = 1;
  private exitedAlready = false;

  constructor(options: ChildOptions, onExit: (child: DecoderChild) => void) {
    this.process = fork(ENTRY, [], {
      cwd: ROOT,
      env: decoderEnv(options.env),
      execArgv: ["--import", LOAD_TYPESCRIPT],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      uid: options.uid,
      gid: options.gid,
    });
    // An idle decoder does not keep the media process alive; a request's timer does meanwhile.
    this.process.unref();
    this.process.channel?.unref();
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.process.on("message", (message: DecodeReply | typeof DECODER_READY) => {
      if (message === DECODER_READY) markReady();
      else this.receive(message);
    });
    this.exited = new Promise((resolve) => {
      const ended = (how: string) => {
        if (this.exitedAlready) return;
        this.exitedAlready = true;
        this.settle(new DecoderFailed(`The image decoder (pid ${this.process.pid}) ${how} while at work; the file may be fine, and the work can be retried.`));
        onExit(this);
        resolve();
      };
      this.process.once("exit", (code, signal) => ended(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      // A process that could not be started emits no exit; one that could is stopped.
      this.process.on("error", (error) => (this.process.pid === undefined ? ended(`could not start (${error.message})`) : this.process.kill("SIGKILL")));
    });
  }

  get alive(): boolean {
    return !this.exitedAlready;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  request<O extends Operation>(
    op: O,
    args: Operations[O]["args"],
    timeoutMs: number,
    onProgress?: (fraction: number) => void,
  ): Promise<Operations[O]["result"]> {
    if (this.pending) return Promise.reject(new Error("A decoder takes one request at a time."));
    if (!this.alive) return Promise.reject(new DecoderFailed("The image decoder had already stopped; the work can be retried."));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Stuck (or merely too slow): the process goes, and a fresh one takes the next request.
      const limit = (ms: number, message: string) =>
        setTimeout(() => {
          this.settle(new DecoderFailed(message));
          this.process.kill("SIGKILL");
        }, ms);
      const pending: Pending = { id, resolve: resolve as (value: unknown) => void, reject, onProgress, timer: limit(START_LIMIT_MS, STARTED_SLOWLY) };
      this.pending = pending;
      void this.ready.then(() => {
        if (this.pending !== pending) return;
        // The request's own time starts now: a decoder's start (seconds on a busy machine) is not the file's.
        clearTimeout(pending.timer);
        pending.timer = limit(timeoutMs, `The image decoder took longer than ${timeoutMs / 1000} s and was stopped; the work can be retried.`);
        this.process.send({ id, op, args });
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it is reaped. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.alive) return;
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private receive(reply: DecodeReply): void {
    const pending = this.pending;
    if (!pending || reply.id !== pending.id) return;
    if ("progress" in reply) {
      pending.onProgress?.(reply.progress);
    } else if ("result" in reply) {
      this.settle(null, reply.result);
    } else {
      const { message, rejected } = reply.error;
      this.settle(rejected ? new MediaRejected(rejected, message) : new Error(`The image decoder failed: ${message}`));
    }
  }

  private settle(error: Error | null, result?: unknown): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(result);
  }
}
