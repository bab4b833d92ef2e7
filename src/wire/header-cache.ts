// Results computed from a request header's text, remembered by that text: tills send the same
// few Content-Type and Accept values with every request. Bounded: when full it starts over,
// so a flood of distinct values costs a recomputation each, never memory; long values are
// not kept at all.
export class HeaderCache<V> {
  private readonly map = new Map<string, V>();

  constructor(
    private readonly max = 256,
    private readonly maxKeyLength = 256,
  ) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (key.length > this.maxKeyLength) return;
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}
