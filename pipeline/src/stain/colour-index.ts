/**
 * Colour-keyed memo tables of the stain module. Browser-safe.
 */

/** Most colours remembered; past this a tile of noise would only grow the table. */
export const MEMO_LIMIT = 1 << 20;

/**
 * Colour (24-bit RGB) -> a non-negative integer (the first pixel of that colour, a slot),
 * by open addressing on typed arrays: a Map's boxed entries cost more than the two-stain
 * solve they save.
 */
export class ColourIndex {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 1024;
    while (cap < 2 * Math.min(expected, MEMO_LIMIT)) cap *= 2;
    this.keys = new Int32Array(cap).fill(-1);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** The slot of `key`: holding it, or the empty slot where it would go. */
  private slot(key: number): number {
    let s = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    while (this.keys[s] !== -1 && this.keys[s] !== key) s = (s + 1) & this.mask;
    return s;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const s = this.slot(key);
    return this.keys[s] === key ? this.values[s] : -1;
  }

  set(key: number, value: number): void {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const s = this.slot(key);
    if (this.keys[s] === -1) this.size++;
    this.keys[s] = key;
    this.values[s] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let s = 0; s < keys.length; s++) {
      if (keys[s] === -1) continue;
      const t = this.slot(keys[s]);
      this.keys[t] = keys[s];
      this.values[t] = values[s];
    }
  }
}

