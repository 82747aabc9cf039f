/**
 * The priority queues a watershed floods through. Both order entries by (elevation, entry
 * number); entry numbers grow with every push, so equal elevations leave in insertion
 * order (FIFO) and a flood over a plateau advances as a breadth-first front, as in
 * scikit-image's heap. Capacity is fixed: the flood queues each pixel at most once.
 * Internal to pipeline/post.
 */

/** What the flood needs from a queue. */
export interface FloodQueue {
  readonly length: number;
  /** Queues pixel `pixel` of basin `label` at elevation `value`. */
  push(value: number, pixel: number, label: number): void;
  /** Removes the first entry and returns its entry number (0, 1, 2... in push order). */
  pop(): number;
  pixelOf(entry: number): number;
  labelOf(entry: number): number;
}

/** A binary min-heap of entry numbers keyed by (value, entry number): any float elevation. */
export class HeapFloodQueue implements FloodQueue {
  private readonly heap: Int32Array;
  private readonly value: Float64Array;
  private readonly pixel: Int32Array;
  private readonly label: Int32Array;
  private size = 0;
  private entries = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.pixel = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: number, pixel: number, label: number): void {
    const e = this.entries++;
    this.value[e] = value;
    this.pixel[e] = pixel;
    this.label[e] = label;
    const heap = this.heap;
    const val = this.value;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pe = heap[parent];
      // e is the newest entry: it goes before pe only on a strictly lower value.
      if (val[pe] <= value) break;
      heap[i] = pe;
      i = parent;
    }
    heap[i] = e;
  }

  pop(): number {
    const heap = this.heap;
    const val = this.value;
    const top = heap[0];
    const n = --this.size;
    if (n === 0) return top;
    const last = heap[n];
    const lv = val[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ce = heap[c];
      let cv = val[ce];
      const r = c + 1;
      if (r < n) {
        const re = heap[r];
        const rv = val[re];
        if (rv < cv || (rv === cv && re < ce)) {
          c = r;
          ce = re;
          cv = rv;
        }
      }
      if (lv < cv || (lv === cv && last < ce)) break;
      heap[i] = ce;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  pixelOf(entry: number): number {
    return this.pixel[entry];
  }

  labelOf(entry: number): number {
    return this.label[entry];
  }
}

/**
 * A bucket queue for integer elevations 0..levels-1 (a uint8 map): one FIFO list per level.
 * It pops in exactly the (value, entry number) order of {@link HeapFloodQueue}, in O(1)
 * per operation instead of O(log n).
 */
export class BucketFloodQueue implements FloodQueue {
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly next: Int32Array;
  private readonly pixel: Int32Array;
  private readonly label: Int32Array;
  private lowest: number;
  private size = 0;
  private entries = 0;

  constructor(capacity: number, levels: number) {
    this.head = new Int32Array(levels).fill(-1);
    this.tail = new Int32Array(levels).fill(-1);
    this.next = new Int32Array(capacity);
    this.pixel = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
    this.lowest = levels;
  }

  get length(): number {
    return this.size;
  }

  push(value: number, pixel: number, label: number): void {
    // An integer index: a double-typed key would send typed-array access down a slow path.
    const v = value | 0;
    const e = this.entries++;
    this.pixel[e] = pixel;
    this.label[e] = label;
    this.next[e] = -1;
    const t = this.tail[v];
    if (t < 0) this.head[v] = e;
    else this.next[t] = e;
    this.tail[v] = e;
    if (v < this.lowest) this.lowest = v;
    this.size++;
  }

  pop(): number {
    let v = this.lowest;
    while (this.head[v] < 0) v++;
    this.lowest = v;
    const e = this.head[v];
    const nx = this.next[e];
    this.head[v] = nx;
    if (nx < 0) this.tail[v] = -1;
    this.size--;
    return e;
  }

  pixelOf(entry: number): number {
    return this.pixel[entry];
  }

  labelOf(entry: number): number {
    return this.label[entry];
  }
}

/**
 * A plain first-in first-out queue: the order {@link BucketFloodQueue} pops in when the
 * seeds, pushed first, share one elevation and every later entry has one elevation no lower
 * (the paper recipe floods a binary `~marker`: seeds at 0, everything else at 1), without
 * its per-entry links. The caller checks that condition; `value` is not read.
 */
export class FifoFloodQueue implements FloodQueue {
  private readonly pixel: Int32Array;
  private readonly label: Int32Array;
  private head = 0;
  private tail = 0;

  constructor(capacity: number) {
    this.pixel = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
  }

  get length(): number {
    return this.tail - this.head;
  }

  push(_value: number, pixel: number, label: number): void {
    const e = this.tail++;
    this.pixel[e] = pixel;
    this.label[e] = label;
  }

  pop(): number {
    return this.head++;
  }

  pixelOf(entry: number): number {
    return this.pixel[entry];
  }

  labelOf(entry: number): number {
    return this.label[entry];
  }
}
