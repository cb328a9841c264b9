/**
 * Turn-taking for synchronous work on the event loop. A policy decision is synchronous CPU work
 * (bounded: linear-time patterns, the CEL budget); when many arrive together, running them back to
 * back in one loop iteration would hold off timers, probes (/healthz) and sockets for their sum.
 * `nextTurn()` resolves waiters one per event-loop iteration (a setImmediate queued while the check
 * phase runs waits for the next iteration), so I/O is polled between any two decisions.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

function releaseOne(): void {
  scheduled = false;
  const next = waiting.shift();
  if (waiting.length > 0) schedule();
  next?.();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(releaseOne);
}

/** Resolves on a later event-loop iteration than any other waiter's. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}
