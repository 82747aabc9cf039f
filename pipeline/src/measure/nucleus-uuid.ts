/** Deterministic UUID-shaped ids for exported nuclei. Browser-safe. */

// Four independent 32-bit FNV-1a lanes (different offset bases) give 128 bits.
const LANE_SEEDS = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b] as const;

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hex8(v: number): string {
  return HEX[(v >>> 24) & 255] + HEX[(v >>> 16) & 255] + HEX[(v >>> 8) & 255] + HEX[v & 255];
}

/** murmur3's fmix32: nearby keys differ in every hex digit. */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A UUID string (RFC 9562 layout, version 8 "custom", variant 10) derived from `key`: the
 * same nucleus exported twice gets the same id, which QuPath accepts (`UUID.fromString`).
 * Not cryptographic; distinct keys collide with negligible odds at the nucleus counts of a slide.
 * The four lanes run in one pass over the key (the viewer ids every nucleus of a view on
 * each slider step).
 */
export function uuidFromKey(key: string): string {
  let h0: number = LANE_SEEDS[0];
  let h1: number = LANE_SEEDS[1];
  let h2: number = LANE_SEEDS[2];
  let h3: number = LANE_SEEDS[3];
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h0 = Math.imul(h0 ^ c, 0x01000193);
    h1 = Math.imul(h1 ^ (c + 0x9e), 0x01000193);
    h2 = Math.imul(h2 ^ (c + 2 * 0x9e), 0x01000193);
    h3 = Math.imul(h3 ^ (c + 3 * 0x9e), 0x01000193);
  }
  const a = hex8(avalanche(h0));
  const b = hex8(avalanche(h1));
  const c = hex8(avalanche(h2));
  const d = hex8(avalanche(h3));
  // Version nibble 8 in place of b's 5th hex digit; variant bits 10 in c's first digit.
  const variant = ((parseInt(c[0], 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-8${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}
