// `pnpm caller-keys`: a new set of caller-token keys (Ed25519), as .env lines for
// docker-compose.yml: each private key goes to its own piece only (CALLER_SIGNING_KEY), the
// public keys to every subgraph (CALLER_PUBLIC_KEYS). The operator's private key is for
// operators' tools that call subgraphs; keep it off the servers.
import { generateCallerKeys, publicKeysText, signingKeyText } from "@localex/common/caller-keys";

const keys = generateCallerKeys();
const lines = [
  "# Caller-token keys (pnpm caller-keys). Each *_CALLER_KEY is one piece's CALLER_SIGNING_KEY: give it to that piece alone.",
  ...[...keys].map(([signer, key]) => `${signer.toUpperCase()}_CALLER_KEY=${signingKeyText(key)}`),
  "# Public: every subgraph gets them all, and accepts a caller token only from a signer named here.",
  `CALLER_PUBLIC_KEYS=${publicKeysText(keys)}`,
];
console.log(lines.join("\n"));
