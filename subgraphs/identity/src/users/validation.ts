/** The rules for what users type about themselves; one place so register, login and updateProfile agree. */
import { textProblem } from "@localex/common";

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;
export const DISPLAY_NAME_MAX = 60;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const EMAIL_MAX = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  return email.normalize("NFC").trim().toLowerCase();
}

/** Returns a reason the email is unacceptable, or null. */
export function checkEmail(email: string): string | null {
  if (email.length > EMAIL_MAX) return `Email must be at most ${EMAIL_MAX} characters.`;
  if (!EMAIL.test(email) || CONTROL.test(email)) return "Email must look like name@example.org.";
  return null;
}

export function checkPassword(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters.`;
  return null;
}

export function normaliseDisplayName(name: string): string {
  return name.normalize("NFC").trim().replace(/\s+/g, " ");
}

export function checkDisplayName(name: string): string | null {
  if (name.length === 0) return "Display name must not be empty.";
  if (name.length > DISPLAY_NAME_MAX) return `Display name must be at most ${DISPLAY_NAME_MAX} characters.`;
  if (CONTROL.test(name)) return "Display name must not contain control characters.";
  return null;
}

/**
 * Login takes what register would accept, checked before anything costly (normalising, the
 * failure counter, argon2): an email of at most 254 characters without control characters, a
 * password of at most 256. Anything longer cannot belong to an account.
 */
export function checkLoginEmail(email: string): string | null {
  return textProblem(email.trim(), { label: "Email", max: EMAIL_MAX, min: 1 });
}

export function checkLoginPassword(password: string): string | null {
  if (password.length === 0) return "Password must not be empty.";
  if (password.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters.`;
  return null;
}
