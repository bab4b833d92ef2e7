// Exact latency percentiles from every sample (ms); a run holds at most a few million.
export class Latencies {
  private samples = new Float64Array(1 << 16);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  /** The p-th percentile (0 < p ≤ 100), rounded to 0.01 ms; 0 without samples. */
  percentile(p: number): number {
    if (this.n === 0) return 0;
    const sorted = this.samples.subarray(0, this.n).slice().sort();
    const v = sorted[Math.min(this.n - 1, Math.ceil((p / 100) * this.n) - 1)]!;
    return Math.round(v * 100) / 100;
  }
}
