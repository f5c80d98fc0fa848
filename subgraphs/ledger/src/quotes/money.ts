// Integer money: amounts in minor units of a currency (cents), BTC in satoshis. No floats.

export const SATOSHIS_PER_BTC = 100_000_000n;

/** Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), as Intl knows them. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * A non-negative decimal string ("30303.20000") in minor units with `digits` decimals, rounded
 * half up; null when it is not such a number.
 */
export function decimalToMinor(text: string, digits: number): bigint | null {
  const match = /^(\d{1,20})(?:\.(\d{1,20}))?$/.exec(text.trim());
  if (!match) return null;
  const [, whole, fraction = ""] = match;
  const padded = fraction.padEnd(digits + 1, "0");
  const kept = BigInt(whole! + padded.slice(0, digits));
  return padded[digits]! >= "5" ? kept + 1n : kept;
}

/** Minor units as a decimal string: 2500n with 2 digits is "25.00". */
export function minorToDecimal(amount: bigint, digits: number): string {
  if (digits === 0) return amount.toString();
  const text = amount.toString().padStart(digits + 1, "0");
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** `numerator / denominator` rounded to the nearest integer, halves up (both non-negative). */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}
