// A full garbage collection on demand, for a long batch job whose memory must stay bounded.
// V8 grows the old generation lazily (up to its ~2-4 GB limit) before it collects: an import
// of a million rows, whose batches each live across a database await and so are promoted,
// would otherwise reach several hundred MB of RSS in garbage. The flag can be set at run
// time; a fresh context then exposes `gc`. Where that is refused, nothing happens.
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined | null = null;

export function collectGarbage(): void {
  if (gc === null) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = undefined;
    }
  }
  gc?.();
}
