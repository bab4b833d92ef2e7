// A map from positive 32-bit integers to 32-bit integers in two typed arrays (open
// addressing, linear probing): about 16 bytes an entry where a Map of numbers takes ~60, for
// the millions of entries of a long import.
export class IntMap {
  private keys = new Int32Array(1024);
  private values = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number): number | undefined {
    const slot = this.find(key);
    return this.keys[slot] === key ? this.values[slot] : undefined;
  }

  /** `key` must be a positive int32 (0 marks an empty slot). */
  set(key: number, value: number): void {
    if (!Number.isInteger(key) || key <= 0 || key > 0x7fffffff) throw new RangeError(`IntMap key must be a positive int32: ${key}`);
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const slot = this.find(key);
    if (this.keys[slot] !== key) {
      this.keys[slot] = key;
      this.count++;
    }
    this.values[slot] = value;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: number): number {
    const mask = this.keys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & mask;
    while (this.keys[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.set(keys[i]!, values[i]!);
  }
}
