import { createHash } from "node:crypto";

/**
 * What other people see of a listing's location: the centre of the cell, in a grid of
 * CELL_METRES squares, that holds the exact point. The grid is shifted per listing (by a hash of
 * its id), so listings do not all sit on the same few points, and the answer is the same on every
 * read: there is no noise to average away, however often it is asked. The exact point stays
 * inside the listings subgraph (the owner sees it); search indexes the approximate one, so its
 * distance filters and distances say no more than the map does.
 */
export const CELL_METRES = 500;
/** The farthest the exact point can be from the shown one: half the cell's diagonal. */
export const APPROXIMATE_ACCURACY_METRES = Math.ceil((CELL_METRES * Math.SQRT2) / 2);

const METRES_PER_DEGREE = 111_320;
const DECIMALS = 1e5; // ~1 m: the shown point is a cell centre, more digits say nothing

export interface Point {
  lat: number;
  lon: number;
}

export function approximateLocation(listingId: string, exact: Point): Point {
  const hash = createHash("sha256").update(`listing-location:${listingId}`).digest();
  const shiftLat = hash.readUInt32BE(0) / 2 ** 32;
  const shiftLon = hash.readUInt32BE(4) / 2 ** 32;

  const latStep = CELL_METRES / METRES_PER_DEGREE;
  const row = Math.floor((exact.lat + 90) / latStep - shiftLat);
  const lat = clamp(-90 + (row + shiftLat + 0.5) * latStep, -90, 90);

  // A cell's width in degrees of longitude follows its row's latitude (narrower towards the poles).
  const cos = Math.max(Math.cos((lat * Math.PI) / 180), 0.01);
  const lonStep = Math.min(CELL_METRES / (METRES_PER_DEGREE * cos), 360);
  const column = Math.floor((exact.lon + 180) / lonStep - shiftLon);
  let lon = -180 + (column + shiftLon + 0.5) * lonStep;
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;

  return { lat: round(lat), lon: round(lon) };
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
const round = (v: number) => Math.round(v * DECIMALS) / DECIMALS;
