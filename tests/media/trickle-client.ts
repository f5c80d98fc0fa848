// A client that sends its request body a few bytes at a time, as a very slow link does, or an
// attacker holding a server's connections open: raw HTTP (node:http), each write when the test
// says. The answer is read whenever it comes, even while the body is still being written.
import { randomBytes } from "node:crypto";
import { request, type ClientRequest } from "node:http";

export interface TrickleAnswer {
  /** The HTTP status; 0 when the connection failed without an answer. */
  status: number;
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export class Trickle {
  readonly answer: Promise<TrickleAnswer>;
  private answeredWith: TrickleAnswer | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly req: ClientRequest;

  /** Sends the request line, the headers and `head` at once; the rest comes as `pace` says. */
  constructor(url: string, init: { method?: string; headers: Record<string, string>; head?: string | Buffer }) {
    this.req = request(url, { method: init.method ?? "POST", headers: init.headers });
    this.answer = new Promise((resolve) => {
      const finish = (answer: TrickleAnswer) => {
        this.stop();
        if (this.answeredWith) return;
        this.answeredWith = answer;
        resolve(answer);
      };
      this.req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => finish(parse(res.statusCode ?? 0, Buffer.concat(chunks).toString())));
        res.on("error", (e) => finish({ status: res.statusCode ?? 0, errors: [{ message: e.message }] }));
      });
      this.req.on("error", (e) => finish({ status: 0, errors: [{ message: e.message }] }));
    });
    if (init.head) this.req.write(init.head);
    else this.req.flushHeaders();
  }

  /** From now on, `bytes` bytes of noise every `everyMs` ms, until the answer comes. */
  pace(bytes: number, everyMs: number): this {
    this.stop();
    this.timer = setInterval(() => {
      if (!this.req.destroyed && !this.answeredWith) this.req.write(randomBytes(bytes));
    }, everyMs);
    return this;
  }

  answered(): boolean {
    return this.answeredWith !== null;
  }

  /** Goes away: the connection is closed without finishing the body. */
  abandon(): void {
    this.stop();
    this.req.destroy();
  }

  private stop(): void {
    clearInterval(this.timer);
  }
}

function parse(status: number, text: string): TrickleAnswer {
  try {
    return { status, ...(JSON.parse(text) as Omit<TrickleAnswer, "status">) };
  } catch {
    return { status, errors: [{ message: text }] };
  }
}

/** The start of a GraphQL multipart request up to the first file's bytes: what a trickling upload sends at once. */
export function multipartHead(boundary: string, operations: unknown, filename = "photo.png", contentType = "image/png"): string {
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return (
    field("operations", JSON.stringify(operations)) +
    field("map", JSON.stringify({ "0": ["variables.file"] })) +
    `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`
  );
}
