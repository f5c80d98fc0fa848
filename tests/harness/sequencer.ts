// The order test files start in. Vitest's own (failed first, then longest first) with two changes.
// Graph files share a worker's modules (vitest.config.ts, isolate false), so:
// - a file that patches libraries as they load (tests/harness/tracing.ts, imported first) goes
//   first, while its worker has loaded nothing yet: later, the libraries are loaded unpatched;
// - files that run alone (tests/harness/alone.ts) are spread evenly through the queue, so while
//   one runs the other workers take ordinary files instead of queueing behind it on the lock.
import { readFileSync } from "node:fs";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The call a file that runs alone makes (tests/harness/alone.ts). */
const ALONE_MARKER = "runAlone(";
/** The import of a file that must load before anything else in its worker. */
const FIRST_MARKER = "harness/tracing.ts";

export class SpacedSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const source = new Map(sorted.map((spec) => [spec, readFileSync(spec.moduleId, "utf8")]));
    const first = sorted.filter((spec) => source.get(spec)!.includes(FIRST_MARKER));
    const rest = sorted.filter((spec) => !first.includes(spec));
    const alone = rest.filter((spec) => source.get(spec)!.includes(ALONE_MARKER));
    if (alone.length === 0) return [...first, ...rest];
    const others = rest.filter((spec) => !alone.includes(spec));
    const gap = Math.ceil(others.length / alone.length);
    return [...first, ...alone.flatMap((spec, i) => [spec, ...others.slice(i * gap, (i + 1) * gap)])];
  }
}
