// `pnpm bench:decoder`: what reading uploads in the isolated decoder costs (issue 20). The same
// 12-MP camera photo (tests/media/image-fixtures.ts), all four outputs (renderVariants),
// in-process and through a warm IsolatedDecoder, runs interleaved; and a decoder's cold start.
//   BENCH_DECODER_RUNS (default 7)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IsolatedDecoder } from "../../subgraphs/media/src/processing/decoder/index.ts";
import { renderVariants } from "../../subgraphs/media/src/processing/index.ts";
import { cameraPhoto } from "../media/image-fixtures.ts";

const RUNS = Number(process.env.BENCH_DECODER_RUNS ?? 7);
const MAX_PIXELS = 50_000_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const work = await mkdtemp(join(tmpdir(), "localex-bench-decoder-"));
const decoder = new IsolatedDecoder({ size: 1 });
try {
  const photo = await cameraPhoto(work);
  const cold = await timed(() => decoder.detectMediaType(photo));
  // One of each first: sharp's and the decoder's first render warm caches and code paths.
  await renderVariants(photo, join(work, "warm-in"), { maxPixels: MAX_PIXELS });
  await decoder.renderVariants(photo, join(work, "warm-iso"), { maxPixels: MAX_PIXELS });
  const times = { inProcess: [] as number[], isolated: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    times.inProcess.push(await timed(() => renderVariants(photo, join(work, `in-${run}`), { maxPixels: MAX_PIXELS })));
    times.isolated.push(await timed(() => decoder.renderVariants(photo, join(work, `iso-${run}`), { maxPixels: MAX_PIXELS })));
  }
  const row = (name: string, values: number[]) =>
    console.log(
      `${name.padEnd(34)} median ${seconds(median(values))}  best ${seconds(Math.min(...values))}  (${values.map((v) => v.toFixed(0)).join(", ")} ms)`,
    );
  console.log(`12-MP photo, renderVariants, ${RUNS} runs each, interleaved`);
  row("in-process", times.inProcess);
  row("through the decoder (warm)", times.isolated);
  console.log(`extra per photo: median ${seconds(median(times.isolated) - median(times.inProcess))}`);
  console.log(`a decoder's cold start and first detectMediaType: ${seconds(cold)}`);
} finally {
  await decoder.close();
  await rm(work, { recursive: true, force: true });
}
