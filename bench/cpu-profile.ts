// The parts of a V8 CPU profile (`node --cpu-prof`, .cpuprofile) that bench/profile-summary.ts
// and bench/stages.ts read.

export interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, as are columns. */
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** The node sampled, per sample. */
  samples: number[];
  /** µs since the previous sample, per sample. */
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}
