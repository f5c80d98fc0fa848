// The decoder's entry: a process of its own that reads uploaded bytes (file-type, sharp/libvips)
// and holds none of media's secrets. Started by IsolatedDecoder with an allow-listed
// environment; it refuses to run when handed a secret, before any parser is loaded.
import { secretsIn } from "./decoder-env.ts";

const secrets = secretsIn(process.env);
if (secrets.length > 0) {
  // Names only: the values must not reach a log either.
  process.stderr.write(
    `The image decoder refuses to start: its environment holds ${secrets.join(", ")}, which it must never see ` +
      "(it parses untrusted uploads). Start it through IsolatedDecoder, which passes an allow-list, not process.env.\n",
  );
  process.exit(78);
}
if (!process.send) {
  process.stderr.write("The image decoder runs only as a child of the media process (IPC channel missing).\n");
  process.exit(64);
}
await import("./decode-requests.ts");
