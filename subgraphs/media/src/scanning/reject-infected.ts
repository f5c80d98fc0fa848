import { MediaRejected } from "../processing/rejection.ts";
import type { MalwareScanner } from "./malware-scanner.ts";

/** Scans the upload and refuses it (INFECTED) when clamd finds malware; ScanFailed passes through. */
export async function rejectInfected(scanner: MalwareScanner, path: string): Promise<void> {
  const result = await scanner.scanFile(path);
  if (result.infected) throw new MediaRejected("INFECTED", `This file was refused: the virus scanner found ${result.signature} in it.`);
}
