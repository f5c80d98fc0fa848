// The one rule for text people type (packages/common/src/text.ts): lengths in characters,
// controls and invisible characters refused, lists capped.
import { describe, expect, it } from "vitest";
import { checkListSize, LIST_MAX, textLength, textProblem } from "@localex/common";

const title = { label: "Title", max: 5, min: 1 };

describe("typed text", () => {
  it("counts characters, not UTF-16 units: an emoji counts once", () => {
    expect(textLength("🙂🙂")).toBe(2);
    expect(textProblem("🙂🙂🙂🙂🙂", title)).toBeNull();
    expect(textProblem("🙂🙂🙂🙂🙂🙂", title)).toBe("Title must be at most 5 characters.");
  });

  it("refuses empty or blank text where some is required", () => {
    expect(textProblem("   ", title)).toBe("Title must not be empty.");
    expect(textProblem("ab", { label: "Name", max: 10, min: 3 })).toBe("Name must be at least 3 characters.");
    expect(textProblem("", { label: "Comment", max: 10 })).toBeNull();
  });

  it("refuses controls, zero-width and bidirectional overrides in a line", () => {
    for (const sneaky of ["a\u0000b", "a\u200bb", "a\u202eb", "\ufeffab", "a\nb", "a\tb"]) {
      expect(textProblem(sneaky, title), JSON.stringify(sneaky)).toBe("Title must not contain control characters.");
    }
    expect(textProblem("abc", title)).toBeNull();
  });

  it("lets multi-line text keep line breaks and tabs, and nothing else invisible", () => {
    const description = { label: "Description", max: 50, multiline: true };
    expect(textProblem("line one\n\tline two\n", description)).toBeNull();
    expect(textProblem("line\u202e", description)).toBe("Description must not contain control characters other than line breaks and tabs.");
  });

  it("refuses a huge string without walking it", () => {
    expect(textProblem("x".repeat(1_000_000), title)).toBe("Title must be at most 5 characters.");
  });

  it("caps lists at LIST_MAX unless a smaller cap is given, naming the field", () => {
    expect(() => checkListSize(Array.from({ length: LIST_MAX }), "ids")).not.toThrow();
    expect(() => checkListSize(Array.from({ length: LIST_MAX + 1 }), "ids")).toThrow(/`ids` may hold at most 100 items/);
    expect(() => checkListSize([1, 2, 3], "mediaIds", 2)).toThrow(/`mediaIds` may hold at most 2 items/);
    expect(() => checkListSize(null, "ids")).not.toThrow();
  });
});
