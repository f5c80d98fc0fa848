// Upload validation and image variants, on files made at run time (image-fixtures.ts).
import { access, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canDecodeHeic,
  detectMediaType,
  inspectImage,
  MediaRejected,
  renderVariants,
  type RenderedVariant,
} from "../../subgraphs/media/src/processing/index.ts";
import * as make from "./image-fixtures.ts";

const MAX_PIXELS = 50_000_000;
const ACCEPTED = "JPEG, PNG, WebP, AVIF or GIF";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "localex-processing-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function refusal(attempt: Promise<unknown>): Promise<MediaRejected> {
  const error = await attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MediaRejected);
  return error as MediaRejected;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** What a viewer of the stored file would find in it. */
async function readBack(variant: RenderedVariant) {
  const meta = await sharp(variant.path).metadata();
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    byteSize: (await stat(variant.path)).size,
    exif: meta.exif,
    xmp: meta.xmp,
    icc: meta.icc,
    orientation: meta.orientation,
  };
}

/** The average colour of a band of rows, from `top` (0..1) to `bottom` (0..1) of the image. */
async function bandColour(path: string, top: number, bottom: number) {
  const { width, height } = await sharp(path).metadata();
  const band = { left: 0, top: Math.floor(height * top), width, height: Math.max(1, Math.floor(height * (bottom - top))) };
  // stats() reads its input, not the pipeline's result, so the band is cut out first.
  const { channels } = await sharp(await sharp(path).extract(band).png().toBuffer()).stats();
  return { r: channels[0]!.mean, g: channels[1]!.mean, b: channels[2]!.mean };
}

const isRed = (c: { r: number; b: number }) => c.r > 180 && c.b < 80;
const isBlue = (c: { r: number; b: number }) => c.b > 180 && c.r < 80;

describe("detecting the type from the bytes", () => {
  it.each([
    ["JPEG", "jpeg", "image/jpeg", "jpg"],
    ["PNG", "png", "image/png", "png"],
    ["WebP", "webp", "image/webp", "webp"],
    ["AVIF", "avif", "image/avif", "avif"],
  ] as const)("accepts %s photos whatever the name says", async (_name, format, mime, ext) => {
    // Named as something else entirely: only the bytes count.
    const path = await make.flat(dir, `holiday-${format}.txt`, 64, 48, format);
    expect(await detectMediaType(path)).toEqual({ mime, kind: "image", ext });
  });

  it("accepts a GIF", async () => {
    expect(await detectMediaType(await make.twoFrameGif(dir))).toEqual({ mime: "image/gif", kind: "image", ext: "gif" });
  });

  it("refuses text named .jpg, naming the types it accepts", async () => {
    const rejected = await refusal(detectMediaType(await make.textFile(dir, "notes.jpg")));
    expect(rejected.code).toBe("UNSUPPORTED_TYPE");
    expect(rejected.message).toContain(ACCEPTED);
  });

  it.each([
    ["without", false],
    ["with", true],
  ])("refuses an SVG %s an XML prolog", async (_with, prolog) => {
    const rejected = await refusal(detectMediaType(await make.svg(dir, `logo-${prolog}.svg`, prolog)));
    expect(rejected.code).toBe("UNSUPPORTED_TYPE");
    expect(rejected.message).toContain(ACCEPTED);
  });

  it("accepts a PDF only as a private document", async () => {
    const path = await make.pdf(dir, "lease.pdf");
    const asPhoto = await refusal(detectMediaType(path));
    expect(asPhoto.code).toBe("UNSUPPORTED_TYPE");
    expect(asPhoto.message).toMatch(/private document/);
    expect(await detectMediaType(path, { allowPdf: true })).toEqual({ mime: "application/pdf", kind: "document", ext: "pdf" });
  });

  it.skipIf(canDecodeHeic())("refuses a HEIC photo, saying this server cannot decode HEIC (skipped where sharp's libheif has an HEVC decoder)", async () => {
    const path = await make.heicContainer(dir);
    const rejected = await refusal(detectMediaType(path));
    expect(rejected.code).toBe("UNSUPPORTED_TYPE");
    expect(rejected.message).toMatch(/HEIC photos cannot be processed by this server/);
    // Handed straight to rendering, the decoder's own refusal reads the same.
    const rendered = await refusal(renderVariants(path, join(dir, "out-heic"), { maxPixels: MAX_PIXELS }));
    expect(rendered.code).toBe("UNSUPPORTED_TYPE");
    expect(rendered.message).toMatch(/HEIC/);
  });

  it("refuses a file whose declared type contradicts its bytes, and takes common aliases", async () => {
    const png = await make.flat(dir, "declared.png", 32, 32, "png");
    const rejected = await refusal(detectMediaType(png, { declaredType: "image/jpeg" }));
    expect(rejected.code).toBe("TYPE_MISMATCH");
    expect(rejected.message).toMatch(/image\/jpeg.*PNG/);
    const jpeg = await make.flat(dir, "declared.jpg", 32, 32, "jpeg");
    expect((await detectMediaType(jpeg, { declaredType: "image/jpg" })).mime).toBe("image/jpeg");
    expect((await detectMediaType(jpeg, { declaredType: "application/octet-stream" })).mime).toBe("image/jpeg");
  });
});

describe("refusing before decoding", () => {
  let bomb: string;

  beforeAll(async () => {
    bomb = await make.pixelBomb(dir);
  });

  it("refuses a 17 000 × 17 000 PNG of under 1 MB from its header, writing nothing", async () => {
    expect((await stat(bomb)).size).toBeLessThan(1024 * 1024);
    const inspected = await refusal(inspectImage(bomb, { maxPixels: MAX_PIXELS }));
    expect(inspected.code).toBe("TOO_MANY_PIXELS");
    expect(inspected.message).toContain("17000 × 17000");
    const outDir = join(dir, "out-bomb");
    const rendered = await refusal(renderVariants(bomb, outDir, { maxPixels: MAX_PIXELS }));
    expect(rendered.code).toBe("TOO_MANY_PIXELS");
    expect(await exists(outDir)).toBe(false);
  });

  it("holds to the configured budget", async () => {
    const path = await make.flat(dir, "budget.png", 500, 400, "png");
    expect((await refusal(inspectImage(path, { maxPixels: 199_999 }))).code).toBe("TOO_MANY_PIXELS");
    expect(await inspectImage(path, { maxPixels: 200_000 })).toEqual({ width: 500, height: 400, format: "png" });
  });

  it("gives dimensions as displayed, after EXIF orientation", async () => {
    const path = await make.halvesJpeg(dir, "turned.jpg", 400, 300, 6);
    expect(await inspectImage(path, { maxPixels: MAX_PIXELS })).toEqual({ width: 300, height: 400, format: "jpeg" });
  });

  it("refuses text posing as an image", async () => {
    const rejected = await refusal(inspectImage(await make.textFile(dir, "posing.png"), { maxPixels: MAX_PIXELS }));
    expect(rejected.code).toBe("UNSUPPORTED_TYPE");
  });

  it.each(["jpeg", "png", "webp", "gif", "avif"] as const)("refuses a truncated %s as damaged", async (format) => {
    const path = await make.truncated(dir, format);
    const rejected = await refusal(renderVariants(path, join(dir, `out-truncated-${format}`), { maxPixels: MAX_PIXELS }));
    expect(rejected.code).toBe("CORRUPT_IMAGE");
    expect(rejected.message).toMatch(/damaged or incomplete/);
  });

  it("lets a truncated JPEG pass the type check, since only decoding finds the rest missing", async () => {
    expect((await detectMediaType(await make.truncated(dir, "jpeg"))).mime).toBe("image/jpeg");
  });

  it.each([
    ["an SVG", () => make.svg(dir, "handed.svg", true)],
    ["a PDF", () => make.pdf(dir, "handed.pdf")],
  ])("never renders %s, even when handed one directly", async (_what, fixture) => {
    const rejected = await refusal(renderVariants(await fixture(), join(dir, "out-never"), { maxPixels: MAX_PIXELS }));
    expect(rejected.code).toBe("UNSUPPORTED_TYPE");
  });
});

describe("variants", () => {
  it("renders a 12-MP camera photo upright, in every size, with no EXIF, GPS, XMP or colour profile left", async () => {
    const photo = await make.cameraPhoto(dir);
    const source = await sharp(photo).metadata();
    // The fixture does carry what must not survive.
    expect(source.orientation).toBe(6);
    expect(make.exifHasGps(source.exif!)).toBe(true);
    expect(source.xmp).toBeDefined();
    expect(source.icc).toBeDefined();

    const progress: number[] = [];
    const variants = await renderVariants(photo, join(dir, "out-camera"), { maxPixels: MAX_PIXELS, onProgress: (f) => progress.push(f) });

    const expected = {
      ORIGINAL: { format: "jpeg", contentType: "image/jpeg", width: 3000, height: 4000 },
      LARGE: { format: "webp", contentType: "image/webp", width: 900, height: 1200 },
      MEDIUM: { format: "webp", contentType: "image/webp", width: 600, height: 800 },
      THUMBNAIL: { format: "webp", contentType: "image/webp", width: 225, height: 300 },
    } as const;
    for (const [name, want] of Object.entries(expected)) {
      const variant = variants[name as keyof typeof expected];
      const stored = await readBack(variant);
      expect({ name, ...variant, path: undefined }).toEqual({
        name,
        path: undefined,
        width: want.width,
        height: want.height,
        contentType: want.contentType,
        byteSize: stored.byteSize,
      });
      expect({ name, format: stored.format, width: stored.width, height: stored.height }).toEqual({
        name,
        format: want.format,
        width: want.width,
        height: want.height,
      });
      expect({ name, exif: stored.exif, xmp: stored.xmp, icc: stored.icc, orientation: stored.orientation }).toEqual({
        name,
        exif: undefined,
        xmp: undefined,
        icc: undefined,
        orientation: undefined,
      });
    }
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("fits a 4000 × 3000 photo inside 300, 800 and 1200", async () => {
    const variants = await renderVariants(await make.flat(dir, "wide.jpg", 4000, 3000, "jpeg"), join(dir, "out-wide"), {
      maxPixels: MAX_PIXELS,
    });
    expect(sizes(variants)).toEqual({ ORIGINAL: "4000×3000", LARGE: "1200×900", MEDIUM: "800×600", THUMBNAIL: "300×225" });
  });

  it("never enlarges a small image", async () => {
    const variants = await renderVariants(await make.flat(dir, "small.png", 500, 400, "png"), join(dir, "out-small"), {
      maxPixels: MAX_PIXELS,
    });
    expect(sizes(variants)).toEqual({ ORIGINAL: "500×400", LARGE: "500×400", MEDIUM: "500×400", THUMBNAIL: "300×240" });
    expect(variants.ORIGINAL.contentType).toBe("image/png");
  });

  it("turns the pixels by EXIF orientation 6, not just the dimensions", async () => {
    // Stored 400 × 300, red left and blue right; shown turned a quarter clockwise: 300 × 400, red on top.
    const variants = await renderVariants(await make.halvesJpeg(dir, "sideways.jpg", 400, 300, 6), join(dir, "out-sideways"), {
      maxPixels: MAX_PIXELS,
    });
    expect(sizes(variants)).toEqual({ ORIGINAL: "300×400", LARGE: "300×400", MEDIUM: "300×400", THUMBNAIL: "225×300" });
    for (const variant of Object.values(variants)) {
      expect(isRed(await bandColour(variant.path, 0.05, 0.4))).toBe(true);
      expect(isBlue(await bandColour(variant.path, 0.6, 0.95))).toBe(true);
    }
  });

  it("keeps a GIF's first frame only, as a PNG", async () => {
    const variants = await renderVariants(await make.twoFrameGif(dir), join(dir, "out-gif"), { maxPixels: MAX_PIXELS });
    expect(variants.ORIGINAL.contentType).toBe("image/png");
    expect(sizes(variants)).toEqual({ ORIGINAL: "120×80", LARGE: "120×80", MEDIUM: "120×80", THUMBNAIL: "120×80" });
    const stored = await sharp(variants.ORIGINAL.path).metadata();
    expect(stored.format).toBe("png");
    expect(stored.pages ?? 1).toBe(1);
    expect(isRed(await bandColour(variants.ORIGINAL.path, 0, 1))).toBe(true);
  });

  it.each([
    ["WebP", "webp", "image/webp"],
    ["AVIF", "avif", "image/avif"],
  ] as const)("re-encodes %s originals as %s", async (_name, format, contentType) => {
    const variants = await renderVariants(await make.flat(dir, `same.${format}`, 640, 480, format), join(dir, `out-${format}`), {
      maxPixels: MAX_PIXELS,
    });
    expect(variants.ORIGINAL.contentType).toBe(contentType);
    expect((await sharp(variants.ORIGINAL.path).metadata()).format).toBe(format === "avif" ? "heif" : format);
    expect(sizes(variants)).toEqual({ ORIGINAL: "640×480", LARGE: "640×480", MEDIUM: "640×480", THUMBNAIL: "300×225" });
  });
});

function sizes(variants: Record<string, RenderedVariant>): Record<string, string> {
  return Object.fromEntries(Object.entries(variants).map(([name, v]) => [name, `${v.width}×${v.height}`]));
}
