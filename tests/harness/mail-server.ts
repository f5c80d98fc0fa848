// A real SMTP server for the test run (the smtp-server package): the graph sends its mail here,
// and each message lands as a file in `dir`, for tests to read.
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

export interface MailServer {
  url: string;
  close(): Promise<void>;
}

export async function startMailServer(dir: string): Promise<MailServer> {
  await mkdir(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(",");
        const name = `${String(++count).padStart(6, "0")}-${to.replace(/[^a-z0-9@.-]/gi, "_")}.eml`;
        writeFile(join(dir, name), Buffer.concat(chunks)).then(() => callback(), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
