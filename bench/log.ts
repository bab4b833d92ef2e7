// Progress lines of a bench run, stamped with seconds since it started.
const t0 = Date.now();

export function log(text: string): void {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
}
