import type { Config } from "@localex/common";
import { ClamdScanner } from "./clamd-scanner.ts";
import { DisabledScanner } from "./disabled-scanner.ts";
import type { MalwareScanner } from "./malware-scanner.ts";

export { ClamdScanner, parseClamdUrl, parseScanReply, type ClamdOptions } from "./clamd-scanner.ts";
export { DisabledScanner } from "./disabled-scanner.ts";
export { rejectInfected } from "./reject-infected.ts";
export { ScanFailed, type MalwareScanner, type ScanResult } from "./malware-scanner.ts";

/** clamd when CLAMAV_URL is set, otherwise no scanning (which describe() says at start-up). */
export function createMalwareScanner(media: Pick<Config["media"], "clamavUrl">): MalwareScanner {
  return media.clamavUrl ? new ClamdScanner({ url: media.clamavUrl }) : new DisabledScanner();
}
