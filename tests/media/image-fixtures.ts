// Upload fixtures, made at run time so no binary file is committed.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";

export const RED = { r: 220, g: 30, b: 30 };
export const BLUE = { r: 30, g: 30, b: 220 };

/** A camera photo: 4000 × 3000 stored, EXIF orientation 6 (shown 3000 × 4000), GPS, XMP, a Display P3 profile. */
export async function cameraPhoto(dir: string): Promise<string> {
  const path = join(dir, "camera.jpg");
  // Smooth colour blobs plus fine grain: decodes and compresses like a photo, not like a flat fill.
  const blobs = await sharp({ create: { width: 200, height: 150, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } })
    .resize(4000, 3000, { kernel: "cubic" })
    .raw()
    .toBuffer();
  const grain = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 12 } } })
    .raw()
    .toBuffer();
  for (let i = 0; i < blobs.length; i++) blobs[i] = Math.max(0, Math.min(255, blobs[i]! + grain[i]! - 128));
  await sharp(blobs, { raw: { width: 4000, height: 3000, channels: 3 } })
    .withIccProfile("p3")
    .withExif({
      IFD0: { Make: "LocalEx", Model: "Fixture Cam" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "52/1 5/1 24/1", GPSLongitudeRef: "E", GPSLongitude: "5/1 7/1 12/1" },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 90 })
    .toFile(path);
  return path;
}

/** Stored `width` × `height`, left half red and right half blue, with EXIF orientation `orientation`. */
export async function halvesJpeg(dir: string, name: string, width: number, height: number, orientation: number): Promise<string> {
  const path = join(dir, name);
  const half = Math.floor(width / 2);
  const blue = await sharp({ create: { width: width - half, height, channels: 3, background: BLUE } })
    .png()
    .toBuffer();
  await sharp({ create: { width, height, channels: 3, background: RED } })
    .composite([{ input: blue, left: half, top: 0 }])
    .withMetadata({ orientation })
    .jpeg({ quality: 95 })
    .toFile(path);
  return path;
}

export async function flat(dir: string, name: string, width: number, height: number, format: "png" | "jpeg" | "webp" | "avif"): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 160, b: 120 } } })
    .toFormat(format)
    .toFile(path);
  return path;
}

/** 17 000 × 17 000 = 289 MP in a file of a few hundred KB: a pixel bomb. */
export async function pixelBomb(dir: string): Promise<string> {
  const path = join(dir, "bomb.png");
  // sharp guards even what it creates; only this maker lifts the limit.
  await sharp({ create: { width: 17_000, height: 17_000, channels: 3, background: "#5a8" }, limitInputPixels: false })
    .toColourspace("b-w")
    .png({ compressionLevel: 9 })
    .toFile(path);
  return path;
}

/** A two-frame GIF: a red frame, then a blue one. */
export async function twoFrameGif(dir: string): Promise<string> {
  const path = join(dir, "anim.gif");
  const frame = (background: typeof RED) =>
    sharp({ create: { width: 120, height: 80, channels: 3, background } })
      .png()
      .toBuffer();
  await sharp([await frame(RED), await frame(BLUE)], { join: { animated: true } })
    .gif({ delay: [200, 200] })
    .toFile(path);
  return path;
}

/** The first half of a real image, as an upload cut short leaves it. */
export async function truncated(dir: string, format: "jpeg" | "png" | "webp" | "gif" | "avif"): Promise<string> {
  const whole = await sharp({ create: { width: 240, height: 160, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } })
    .toFormat(format)
    .toBuffer();
  const path = join(dir, `truncated.${format}`);
  await writeFile(path, whole.subarray(0, Math.floor(whole.length / 2)));
  return path;
}

export function truncatedJpeg(dir: string): Promise<string> {
  return truncated(dir, "jpeg");
}

export async function textFile(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, "These are my holiday notes, not a picture.\n".repeat(40));
  return path;
}

export async function svg(dir: string, name: string, prolog: boolean): Promise<string> {
  const path = join(dir, name);
  const body = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="red"/></svg>\n';
  await writeFile(path, (prolog ? '<?xml version="1.0" encoding="UTF-8"?>\n' : "") + body);
  return path;
}

/** A minimal valid one-page PDF, cross-reference offsets computed. */
export async function pdf(dir: string, name: string): Promise<string> {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    "<< /Length 0 >>\nstream\n\nendstream",
  ];
  let text = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(text);
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  text += offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("");
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/**
 * The HEIF container of an iPhone photo (brand heic, one HEVC-coded item, 640 × 480),
 * with a token payload: enough for the type and header to read as HEIC. No encoder here
 * can write HEVC, so the container is put together box by box.
 */
export async function heicContainer(dir: string): Promise<string> {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  const box = (type: string, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([u32(8 + body.length), Buffer.from(type, "latin1"), body]);
  };
  const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts);
  const payload = Buffer.from([0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x00]);
  // HEVCDecoderConfigurationRecord: Main profile, level 3, 4:2:0, 8 bit, no parameter-set arrays.
  const hvcC = box("hvcC", Buffer.from([1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 90, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]));
  const meta = (payloadOffset: number) =>
    fullBox(
      "meta",
      0,
      fullBox("hdlr", 0, u32(0), Buffer.from("pict"), u32(0), u32(0), u32(0), Buffer.from([0])),
      fullBox("pitm", 0, u16(1)),
      fullBox("iinf", 0, u16(1), fullBox("infe", 2, u16(1), u16(0), Buffer.from("hvc1"), Buffer.from([0]))),
      fullBox("iloc", 0, Buffer.from([0x44, 0x00]), u16(1), u16(1), u16(0), u16(1), u32(payloadOffset), u32(payload.length)),
      box("iprp", box("ipco", hvcC, fullBox("ispe", 0, u32(640), u32(480))), fullBox("ipma", 0, u32(1), u16(1), Buffer.from([2, 0x81, 0x02]))),
    );
  const ftyp = box("ftyp", Buffer.from("heic"), u32(0), Buffer.from("mif1heic"));
  const headLength = ftyp.length + meta(0).length;
  const path = join(dir, "iphone.heic");
  await writeFile(path, Buffer.concat([ftyp, meta(headLength + 8), box("mdat", payload)]));
  return path;
}

/** Whether EXIF (as sharp's metadata returns it) points to a GPS directory. */
export function exifHasGps(exif: Buffer): boolean {
  const tiff = exif.subarray(0, 6).toString("latin1") === "Exif\0\0" ? exif.subarray(6) : exif;
  const little = tiff.subarray(0, 2).toString("latin1") === "II";
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd0 = u32(4);
  const entries = u16(ifd0);
  for (let i = 0; i < entries; i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}
