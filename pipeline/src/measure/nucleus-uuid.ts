/** Deterministic UUID-shaped ids for exported nuclei. Browser-safe. */

// Four independent 32-bit FNV-1a lanes (different offset bases) give 128 bits.
const LANE_SEEDS = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b] as const;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/**
 * A UUID string (RFC 9562 layout, version 8 "custom", variant 10) derived from `key`: the
 * same nucleus exported twice gets the same id, which QuPath accepts (`UUID.fromString`).
 * Not cryptographic; distinct keys collide with negligible odds at the nucleus counts of a slide.
 */
export function uuidFromKey(key: string): string {
  const lanes = LANE_SEEDS.map((seed, lane) => {
    let h: number = seed;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i) + lane * 0x9e;
      h = Math.imul(h, 0x01000193);
    }
    // Final avalanche (murmur3 fmix32) so nearby keys differ in every hex digit.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return hex8(h);
  });
  const hex = lanes.join('');
  const version = '8' + hex.slice(13, 16);
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}-${variant}-${hex.slice(20, 32)}`;
}
