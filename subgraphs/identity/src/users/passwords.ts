import { hash, verify } from "@node-rs/argon2";
import { countPasswordHash } from "@localex/common";

/**
 * Every argon2 computation identity does on a password, each counted on /metrics
 * (localex_password_hashes_total): argon2 is the costly step that input checks run before, so
 * the count shows whether refused input reached it.
 */
export function hashPassword(password: string): Promise<string> {
  countPasswordHash("hash");
  return hash(password);
}

/** Whether `password` is the one `stored` (an argon2 hash) was made from. */
export function verifyPassword(stored: string, password: string): Promise<boolean> {
  countPasswordHash("verify");
  return verify(stored, password);
}
