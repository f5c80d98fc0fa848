import { pino, type Logger } from "pino";
import { currentRequestId } from "./request-id.ts";

export type { Logger };

/** Every line logged while serving a request carries its `requestId` (request-id.ts). */
export function createLogger(level: string, name = "localex"): Logger {
  return pino({
    name,
    level,
    redact: ["req.headers.authorization", "password", "refreshToken"],
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  });
}
