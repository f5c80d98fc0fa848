/** The rules for what users type about themselves; one place so register and updateProfile agree. */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/;
export const DISPLAY_NAME_MAX = 60;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normaliseEmail(email: string): string {
  return email.normalize("NFC").trim().toLowerCase();
}

/** Returns a reason the email is unacceptable, or null. */
export function checkEmail(email: string): string | null {
  if (email.length > 254) return "Email must be at most 254 characters.";
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
