/** The rules for what owners type about their listings; one place so create and update agree. */
import { LIST_MAX, refusal, textProblem, type Refusal } from "@localex/common";
import type { CategoryRow } from "../db/schema.ts";

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 5000;
export const CREDIT_PRICE_MAX = 1_000_000;
export const ATTRIBUTES_MAX = 20;
export const ATTRIBUTE_VALUE_MAX = 200;
/** Most ids or values a list in a filter may carry (`ListingFilter.categoryIds`, `.conditions`). */
export const FILTER_LIST_MAX = LIST_MAX;

const invalid = (field: string, message: string) => refusal("INVALID_INPUT", message, field);

export function normaliseLine(s: string): string {
  return s
    .normalize("NFC")
    .trim()
    .replace(/[ \t\n\r]+/g, " ");
}

export function normaliseText(s: string): string {
  return s.normalize("NFC").replace(/\r\n?/g, "\n").trim();
}

export function checkTitle(title: string, problems: Refusal[]): void {
  const problem = textProblem(title, { label: "Title", max: TITLE_MAX, min: 1 });
  if (problem) problems.push(invalid("input.title", problem));
}

export function checkDescription(description: string, problems: Refusal[]): void {
  const problem = textProblem(description, { label: "Description", max: DESCRIPTION_MAX, multiline: true });
  if (problem) problems.push(invalid("input.description", problem));
}

export function checkCreditPrice(price: number | null, problems: Refusal[]): void {
  if (price == null) return;
  if (!Number.isSafeInteger(price) || price < 0 || price > CREDIT_PRICE_MAX) {
    problems.push(invalid("input.creditPrice", `Credit price must be a whole number from 0 to ${CREDIT_PRICE_MAX}.`));
  }
}

export function checkLocation(location: { lat: number; lon: number } | null, problems: Refusal[]): void {
  if (location == null) return;
  if (!Number.isFinite(location.lat) || location.lat < -90 || location.lat > 90) {
    problems.push(invalid("input.location.lat", "Latitude must be between -90 and 90."));
  }
  if (!Number.isFinite(location.lon) || location.lon < -180 || location.lon > 180) {
    problems.push(invalid("input.location.lon", "Longitude must be between -180 and 180."));
  }
}

/** Normalises attributes into `{ key: value }`, pushing a problem per attribute the category does not allow. */
export function checkAttributes(
  attributes: readonly { key: string; value: string }[],
  category: CategoryRow,
  problems: Refusal[],
  field = "input.attributes",
): Record<string, string> {
  const result: Record<string, string> = {};
  if (attributes.length > ATTRIBUTES_MAX) {
    problems.push(invalid(field, `A listing may have at most ${ATTRIBUTES_MAX} attributes.`));
    return result;
  }
  const allowed = category.allowedAttributes;
  attributes.forEach((attribute, i) => {
    const key = attribute.key.trim();
    const value = normaliseLine(attribute.value);
    if (!allowed.includes(key)) {
      const list = allowed.length > 0 ? allowed.join(", ") : "none";
      problems.push(invalid(`${field}.${i}.key`, `The ${category.name} category allows these attributes: ${list}.`));
    } else if (Object.hasOwn(result, key)) {
      problems.push(invalid(`${field}.${i}.key`, `The attribute ${key} is given twice.`));
    } else if (textProblem(value, { label: "An attribute value", max: ATTRIBUTE_VALUE_MAX, min: 1 })) {
      problems.push(invalid(`${field}.${i}.value`, `An attribute value must be 1 to ${ATTRIBUTE_VALUE_MAX} characters, without control characters.`));
    } else {
      result[key] = value;
    }
  });
  return result;
}
