/**
 * Regenerates the PWA icons in public/icons/ without any image tooling:
 * shapes are rasterised with 4x4 supersampling, then written as RGBA PNGs
 * (zlib from node:zlib, chunk CRC32 computed here).
 *
 *   npx tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");
const BG: RGB = [0x0f, 0x14, 0x19]; // theme/background colour
const FG: RGB = [0x5e, 0xc4, 0xb6]; // accent for the mark
type RGB = readonly [number, number, number];

// --- PNG encoding -----------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // compression, filter, interlace = 0
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- Geometry (unit square, origin top-left) --------------------------------
// The mark: a ring (the "hold") around a bold H.
const RING = { outer: 0.40, inner: 0.335 };
const H_BARS: readonly (readonly [number, number, number, number])[] = [
  [0.315, 0.285, 0.405, 0.715], // left stem   x0, y0, x1, y1
  [0.595, 0.285, 0.685, 0.715], // right stem
  [0.405, 0.46, 0.595, 0.54], // crossbar
];
function inMark(x: number, y: number): boolean {
  const r = Math.hypot(x - 0.5, y - 0.5);
  if (r <= RING.outer && r >= RING.inner) return true;
  return H_BARS.some(([x0, y0, x1, y1]) => x >= x0 && x <= x1 && y >= y0 && y <= y1);
}
/** Rounded square for "any" icons; maskable ones are full bleed. */
function inRoundedSquare(x: number, y: number, radius: number): boolean {
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

function render(size: number, maskable: boolean): Uint8Array {
  const SS = 4;
  // Maskable: keep the mark inside the 80 % safe circle (radius 0.4 of the size).
  const markScale = maskable ? 0.72 : 1;
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) / size;
          const y = (py + (sy + 0.5) / SS) / size;
          if (!maskable && !inRoundedSquare(x, y, 0.2)) continue;
          bg++;
          const mx = 0.5 + (x - 0.5) / markScale;
          const my = 0.5 + (y - 0.5) / markScale;
          if (inMark(mx, my)) fg++;
        }
      }
      const n = SS * SS;
      const a = bg / n;
      const t = bg === 0 ? 0 : fg / bg;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        out[i + c] = Math.round((BG[c] ?? 0) * (1 - t) + (FG[c] ?? 0) * t);
      }
      out[i + 3] = Math.round(a * 255);
    }
  }
  return out;
}

function hex([r, g, b]: RGB): string {
  return "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
}
function svg(): string {
  const pct = (v: number): string => String(Math.round(v * 512 * 100) / 100);
  const bars = H_BARS.map(
    ([x0, y0, x1, y1]) =>
      `<rect x="${pct(x0)}" y="${pct(y0)}" width="${pct(x1 - x0)}" height="${pct(y1 - y0)}"/>`,
  ).join("");
  const r = (RING.outer + RING.inner) / 2;
  const w = RING.outer - RING.inner;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">` +
    `<rect width="512" height="512" rx="${pct(0.2)}" fill="${hex(BG)}"/>` +
    `<circle cx="256" cy="256" r="${pct(r)}" fill="none" stroke="${hex(FG)}" stroke-width="${pct(w)}"/>` +
    `<g fill="${hex(FG)}">${bars}</g></svg>\n`
  );
}

mkdirSync(OUT, { recursive: true });
const files: [string, number, boolean][] = [
  ["icon-192.png", 192, false],
  ["icon-512.png", 512, false],
  ["icon-maskable-512.png", 512, true],
];
for (const [name, size, maskable] of files) {
  writeFileSync(join(OUT, name), encodePng(size, render(size, maskable)));
}
writeFileSync(join(OUT, "icon.svg"), svg());
process.stdout.write(`icons written to ${OUT}\n`);
