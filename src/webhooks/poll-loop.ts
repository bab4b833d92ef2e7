// The loop of an outbox dispatcher: run a round, and when it found nothing to do, sleep
// `pollMs` (cut short by stop); a failed round is reported and the loop goes on.

export interface PollLoop {
  /** Stops the loop (the caller aborts its signal first) and waits for the round in flight. */
  stop(): Promise<void>;
}

export function startPollLoop(stopping: AbortController, pollMs: number, runOnce: () => Promise<number>, onError: (err: unknown) => void): PollLoop {
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let done = 0;
      try {
        done = await runOnce();
      } catch (err) {
        if (stopping.signal.aborted) break;
        onError(err);
      }
      if (done > 0 || stopping.signal.aborted) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(pollMs, 10));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      wake?.();
      await loop;
    },
  };
}
