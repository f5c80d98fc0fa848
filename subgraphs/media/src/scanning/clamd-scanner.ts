import { once } from "node:events";
import { createReadStream } from "node:fs";
import { connect, type Socket } from "node:net";
import { ScanFailed, type MalwareScanner, type ScanResult } from "./malware-scanner.ts";

export interface ClamdOptions {
  /** tcp://host:port or unix:///path/to/clamd.ctl */
  url: string;
  /** Give up connecting after this long. */
  connectTimeoutMs?: number;
  /**
   * Give up when clamd neither reads nor answers for this long. Default two minutes, clamd's
   * own default MaxScanTime, since a large archive can take that long to scan.
   */
  idleTimeoutMs?: number;
}

// Chunks we send; clamd wants each no longer than its StreamMaxLength (25 MB by default).
const CHUNK_BYTES = 64 * 1024;

/**
 * clamd's INSTREAM command: the file goes over the socket in length-prefixed chunks, read
 * from disk as it is sent (never whole in memory), and clamd answers `stream: OK`,
 * `stream: <signature> FOUND` or `<reason> ERROR`. Commands use the `z` form, so every
 * reply ends in a NUL.
 */
export class ClamdScanner implements MalwareScanner {
  private readonly address: { path: string } | { host: string; port: number };
  private readonly connectTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: ClamdOptions) {
    this.address = parseClamdUrl(options.url);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  }

  describe(): string {
    return `malware scanning: ClamAV daemon at ${this.options.url}`;
  }

  async scanFile(path: string): Promise<ScanResult> {
    return this.session(async (socket, reply) => {
      socket.write("zINSTREAM\0");
      let hungUp: unknown = null;
      try {
        await streamFile(socket, path);
      } catch (error) {
        if (!(error instanceof HungUp)) throw error; // e.g. our file could not be read
        hungUp = error;
      }
      // clamd answers and hangs up when the stream passes its StreamMaxLength, and our writes
      // then fail: while we send (HungUp above), or, when the whole file already sat in the
      // socket's buffer, as the connection's error (EPIPE, ECONNRESET) in place of a reply.
      const answer = await reply.catch((error: unknown) => {
        if (hungUp === null && !droppedWhileSending(error)) throw error;
        hungUp ??= error;
        return null;
      });
      if (answer !== null) return parseScanReply(answer);
      // Node drops the connection on that failed write, sometimes before the answer that was on
      // its way could be read. A clamd that still answers PING hung up on purpose.
      if (await this.ping()) throw new ScanFailed(`${TOO_LARGE} (clamd hung up while the file was being sent, and is still up)`, false, { cause: hungUp });
      throw hungUp;
    });
  }

  /** Whether clamd answers PING with PONG: for readiness checks. */
  async ping(): Promise<boolean> {
    return this.session(async (socket, reply) => {
      socket.write("zPING\0");
      return (await reply) === "PONG";
    }).catch(() => false);
  }

  /** Opens a connection, runs `talk` with the promise of clamd's one reply, and always closes it. */
  private async session<T>(talk: (socket: Socket, reply: Promise<string>) => Promise<T>): Promise<T> {
    const socket = connect(this.address);
    const where = this.options.url;
    const connectTimer = setTimeout(
      () => socket.destroy(new ScanFailed(`clamd at ${where} did not accept a connection within ${this.connectTimeoutMs} ms`, true)),
      this.connectTimeoutMs,
    );
    try {
      const reply = readReply(socket, where);
      reply.catch(() => {}); // awaited by `talk`; this only keeps an early failure from going unhandled
      await once(socket, "connect").catch((error: unknown) => {
        throw error instanceof ScanFailed ? error : new ScanFailed(`cannot reach clamd at ${where}: ${String(error)}`, true, { cause: error });
      });
      clearTimeout(connectTimer);
      socket.setTimeout(this.idleTimeoutMs, () =>
        socket.destroy(new ScanFailed(`clamd at ${where} went ${this.idleTimeoutMs} ms without reading or answering`, true)),
      );
      return await talk(socket, reply);
    } finally {
      clearTimeout(connectTimer);
      socket.destroy();
    }
  }
}

/** The file as INSTREAM chunks: a 4-byte big-endian length, the bytes; a zero length ends it. */
async function streamFile(socket: Socket, path: string): Promise<void> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      if (!socket.writable) throw new HungUp();
      const length = Buffer.alloc(4);
      length.writeUInt32BE(chunk.length);
      socket.cork();
      socket.write(length);
      const more = socket.write(chunk);
      socket.uncork();
      if (!more) await drained(socket);
    }
    if (!socket.writable) throw new HungUp();
    socket.write(Buffer.alloc(4));
  } finally {
    file.destroy();
  }
}

/** Waits until the socket takes more; fails when it closes or errs instead. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!socket.writable) return reject(new HungUp());
    const settle = (error?: Error) => {
      socket.off("drain", settle);
      socket.off("error", settle);
      socket.off("close", onClose);
      if (error) reject(error instanceof ScanFailed ? error : new HungUp(error));
      else resolve();
    };
    const onClose = () => settle(new HungUp());
    socket.on("drain", settle);
    socket.on("error", settle);
    socket.on("close", onClose);
  });
}

/** clamd closed the connection before it had the whole file. */
class HungUp extends ScanFailed {
  constructor(cause?: unknown) {
    super("clamd closed the connection while the file was being sent", true, { cause });
  }
}

const TOO_LARGE = "the file is larger than clamd accepts for scanning (its StreamMaxLength)";

/** A reply that never came because the peer hung up on what we were writing. */
function droppedWhileSending(error: unknown): boolean {
  const code = error instanceof ScanFailed ? (error.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  return code === "EPIPE" || code === "ECONNRESET";
}

/** clamd's reply up to its NUL; on a dropped connection, whatever came before the drop. */
function readReply(socket: Socket, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const text = () =>
      Buffer.concat(chunks)
        .toString("utf8")
        .replace(/\0[\s\S]*$/, "")
        .trim();
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (chunk.includes(0)) resolve(text());
    });
    const ended = (error?: unknown) => {
      if (chunks.length > 0) resolve(text());
      else if (error instanceof ScanFailed) reject(error);
      else reject(new ScanFailed(`clamd at ${where} closed the connection without answering${error ? `: ${String(error)}` : ""}`, true, { cause: error }));
    };
    socket.on("error", ended);
    socket.on("close", () => ended());
  });
}

export function parseScanReply(reply: string): ScanResult {
  if (reply === "stream: OK") return { infected: false };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found?.[1]) return { infected: true, signature: found[1] };
  if (/size limit exceeded/i.test(reply)) throw new ScanFailed(`${TOO_LARGE}; clamd said: ${reply}`, false);
  if (reply.endsWith("ERROR")) throw new ScanFailed(`clamd could not scan the file: ${reply}`, true);
  throw new ScanFailed(`unexpected reply from clamd: ${JSON.stringify(reply)}`, true);
}

export function parseClamdUrl(url: string): { path: string } | { host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol === "unix:") return { path: decodeURIComponent(parsed.pathname) };
  if (parsed.protocol === "tcp:" && parsed.hostname && parsed.port) return { host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(parsed.port) };
  throw new Error(`clamd URL must be tcp://host:port or unix:///path, not ${url}`);
}
