// A real SMTP server for the test run (the smtp-server package): the graph sends its mail here,
// and each message lands as a file in `dir`, in a folder per recipient, for tests to read. One
// folder per recipient: a test waiting for a member's mail lists a few files, not every mail of
// the run (polled every 25 ms, listing thousands cost the run whole seconds of CPU).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
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
        const name = `${String(++count).padStart(6, "0")}.eml`;
        const message = Buffer.concat(chunks);
        Promise.all(
          session.envelope.rcptTo.map(async ({ address }) => {
            const folder = join(dir, recipientFolder(address));
            await mkdir(folder, { recursive: true });
            await writeFile(join(folder, name), message);
          }),
        ).then(() => callback(), callback);
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

const recipientFolder = (address: string) =>
  address
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9@.-]/gi, "_");

export interface ReceivedMail {
  file: string;
  raw: string;
  subject: string;
}

/** The mail the server in `dir` received for `address`, oldest first, as raw RFC 5322 text. */
export async function mailIn(dir: string, address: string): Promise<ReceivedMail[]> {
  const folder = join(dir, recipientFolder(address));
  const files = (await readdir(folder).catch(() => [] as string[])).sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = await readFile(join(folder, file), "utf8");
      return { file, raw, subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? "" };
    }),
  );
}
