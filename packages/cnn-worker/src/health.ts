/**
 * Whether a core can still run kernels. A thread-pool worker that dies (a trap in
 * a kernel, or terminated) breaks its core for good: rayon would wait for
 * it. Set once; the executor checks it before every batch and after every
 * failed command, so a lost core is refused at once, and the next op of
 * cnn-ts starts a fresh core.
 */
export class PoolHealth {
  failure: Error | undefined = undefined;
  /** Called once, synchronously, when the core is lost. */
  onFailure?: (e: Error) => void;
  /**
   * Node thread pools: reads the thread-pool supervisor's flag in shared memory, which is
   * set even while this thread is blocked in a kernel (see
   * node-pool-supervisor.ts). `during` names the op that was running.
   */
  poll?: (during?: string) => Error | undefined;
  /**
   * Fault injection for tests (Node thread pools): terminates thread-pool worker `i`
   * (0-based, not counting the core's own thread), after `afterMs` counted
   * in the supervisor, so it can land while this thread is in a kernel.
   */
  killThread?: (i: number, afterMs?: number) => Promise<void>;
  /** Ends the thread pool's workers (a lost core, or one that is replaced). */
  stop?: () => Promise<void>;

  /** The failure, if the core is lost (also found by polling the supervisor's flag). */
  check(during?: string): Error | undefined {
    if (this.failure) return this.failure;
    const e = this.poll?.(during);
    return e ? this.fail(e) : undefined;
  }

  /** Marks the core lost (once), tells the owner, and ends the thread pool. */
  fail(e: Error): Error {
    if (this.failure) return this.failure;
    this.failure = e;
    this.onFailure?.(e);
    void this.stop?.();
    return e;
  }
}
