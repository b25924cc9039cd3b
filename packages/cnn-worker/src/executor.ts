import type { Core } from './core.js';
import type { BatchError, BatchResult, CallCommand, Command, ExecutorStats, KernelArg, StatsOptions } from './protocol.js';
import { OVERWRITES_OUTPUT } from './kernels.generated.js';

/** A wasm buffer and the number of tensor ids naming it. */
interface Buffer {
  handle: number;
  length: number;
  refs: number;
}

/**
 * Runs command batches against a loaded core. The same class serves the
 * in-thread mode (Node) and the worker (browsers, Node on request).
 */
/** Per-kernel call counts and milliseconds, when profiling (CNN_PROFILE=1 in Node). */
export type KernelProfile = Map<string, { calls: number; ms: number }>;

export class Executor {
  private readonly tensors = new Map<number, Buffer>();
  /** Set to collect per-kernel timings. */
  profile: KernelProfile | null = null;

  constructor(readonly core: Core) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined>; on?: (e: string, f: () => void) => void } }).process;
    if (env?.env?.CNN_PROFILE) {
      const profile: KernelProfile = new Map();
      this.profile = profile;
      env.on?.('exit', () => {
        const rows = [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms);
        const total = rows.reduce((t, [, v]) => t + v.ms, 0);
        console.error(`kernel profile (${total.toFixed(0)} ms in kernels):`);
        for (const [k, v] of rows) console.error(`  ${k.padEnd(36)} ${String(v.calls).padStart(7)} calls ${v.ms.toFixed(1).padStart(9)} ms ${((100 * v.ms) / total).toFixed(1).padStart(5)}%`);
      });
    }
  }

  /**
   * Runs a batch. A failing command does not stop the batch: commands that
   * depend on its outputs (directly or not) are skipped and their outputs
   * marked `poisoned`; independent ones (optimizer state created in the same
   * step, frees) still run, so a failed step changes nothing it should not.
   * Every failure is reported, and every poisoned tensor with the failure it
   * descends from, so that exactly the reads depending on it fail.
   */
  submit(batch: Command[]): BatchResult {
    // A dead thread-pool worker would leave rayon waiting: refuse the whole batch.
    const broken = this.core.health.check();
    if (broken) throw broken;
    const reads: Float32Array[] = [];
    /** Poisoned tensor -> index in `errors` of its cause. */
    const poisoned = new Map<number, number>();
    const errors: BatchError[] = [];
    for (let i = 0; i < batch.length; i++) {
      const cmd = batch[i];
      const cause = cmd.kind === 'free' ? undefined : inputsOf(cmd).find((id) => poisoned.has(id));
      if (cause !== undefined) {
        // Skipped: its outputs are never computed; what it would have
        // updated in place keeps its value (a skipped optimizer step).
        for (const id of outputsOf(cmd)) poisoned.set(id, poisoned.get(cause)!);
        continue;
      }
      try {
        const r = this.run(cmd);
        if (r) reads.push(r);
      } catch (e) {
        // The core itself is lost (a thread-pool worker died during this command,
        // or a kernel trapped): nothing more runs on it, the whole batch
        // rejects, and the owner starts a fresh core.
        const lost = this.lost(cmd, e);
        if (lost) throw lost;
        for (const id of writtenBy(cmd)) poisoned.set(id, errors.length);
        errors.push({ index: i, op: cmd.kind === 'call' ? cmd.fn : cmd.kind, message: e instanceof Error ? e.message : String(e) });
      }
    }
    if (errors.length === 0) return { reads };
    return { reads, error: errors[0], errors, poisoned: [...poisoned.keys()], poisonedBy: [...poisoned.values()] };
  }

  /** The core's failure if command `cmd`, which threw `e`, found it lost (else undefined: an ordinary error). */
  private lost(cmd: Command, e: unknown): Error | undefined {
    const op = cmd.kind === 'call' ? cmd.fn : cmd.kind;
    const dead = this.core.health.check(op);
    if (dead) return dead;
    // A trap unwinds past the code that puts taken buffers back and
    // releases locks: the instance is no longer consistent.
    if (e instanceof WebAssembly.RuntimeError) {
      return this.core.health.fail(new Error(`cnn-worker: ${op} trapped (${e.message}); this core cannot run kernels any more, its tensors are lost`));
    }
    return undefined;
  }

  stats(opts: StatsOptions = {}): ExecutorStats {
    const g = globalThis as { gc?: () => void; process?: { memoryUsage?: () => { heapUsed: number; heapTotal: number } } };
    if (opts.gc) g.gc?.();
    const s = this.core.storeStats();
    const m = g.process?.memoryUsage?.();
    return {
      tensors: this.tensors.size,
      buffers: s.buffers,
      floats: s.floats,
      heapBytes: this.core.heapBytes(),
      threadTaskCounts: this.core.threadTaskCounts(),
      ...(m ? { jsHeap: { used: m.heapUsed, total: m.heapTotal } } : {}),
    };
  }

  resetThreadTaskCounts(): void {
    this.core.resetThreadTaskCounts();
  }

  private get(id: number, op: string): Buffer {
    const b = this.tensors.get(id);
    if (!b) throw new Error(`${op}: tensor ${id} does not exist (disposed, or its producer failed)`);
    return b;
  }

  private bind(id: number, b: Buffer, op: string): void {
    if (this.tensors.has(id)) throw new Error(`${op}: tensor ${id} already exists`);
    b.refs += 1;
    this.tensors.set(id, b);
  }

  private release(id: number): void {
    const b = this.tensors.get(id);
    if (!b) return; // freeing what never came to be is not an error
    this.tensors.delete(id);
    b.refs -= 1;
    if (b.refs === 0) this.core.free(b.handle);
  }

  /** Makes tensor `id`'s buffer its own (copy-on-write) before an in-place update. */
  private exclusive(id: number, op: string): Buffer {
    const b = this.get(id, op);
    if (b.refs === 1) return b;
    const copy: Buffer = { handle: this.core.alloc(b.length, true), length: b.length, refs: 1 };
    this.core.view(copy.handle, b.length).set(this.core.view(b.handle, b.length));
    b.refs -= 1;
    this.tensors.set(id, copy);
    return copy;
  }

  private run(cmd: Command): Float32Array | undefined {
    switch (cmd.kind) {
      case 'upload': {
        const b: Buffer = { handle: this.core.upload(cmd.data), length: cmd.data.length, refs: 0 };
        this.bind(cmd.id, b, 'upload');
        return undefined;
      }
      case 'free':
        this.release(cmd.id);
        return undefined;
      case 'read': {
        const b = this.get(cmd.id, 'read');
        return this.core.read(b.handle, b.length);
      }
      case 'alias':
        this.bind(cmd.id, this.get(cmd.src, 'reshape'), 'reshape');
        return undefined;
      case 'assign': {
        const src = this.get(cmd.src, 'assign');
        this.get(cmd.id, 'assign');
        this.release(cmd.id);
        this.bind(cmd.id, src, 'assign');
        return undefined;
      }
      case 'serial':
        this.core.raw.setRunSerially(cmd.on);
        return undefined;
      case 'call':
        this.call(cmd);
        return undefined;
    }
  }

  private call(cmd: CallCommand): void {
    const op = cmd.fn;
    const handles: (number | undefined)[] = cmd.inputs.map((id) => (id === null ? undefined : this.get(id, op).handle));
    for (const id of cmd.inplace ?? []) handles.push(id === null ? undefined : this.exclusive(id, op).handle);
    const created: { id: number; b: Buffer }[] = [];
    try {
      for (const o of cmd.outputs ?? []) {
        const b: Buffer = { handle: this.core.alloc(o.size, OVERWRITES_OUTPUT.has(op)), length: o.size, refs: 0 };
        created.push({ id: o.id, b });
        handles.push(b.handle);
      }
      const fn = this.core.raw[op] as ((...a: (number | undefined | KernelArg)[]) => unknown) | undefined;
      if (typeof fn !== 'function') throw new Error(`${op}: no such kernel in this wasm build (rebuild with npm run build)`);
      const t0 = this.profile ? performance.now() : 0;
      const result = fn.apply(this.core.raw, [...handles, ...(cmd.args ?? [])]);
      if (this.profile) {
        const spec = cmd.args?.[cmd.args.length - 1];
        const key =
          op === 'unary' || op === 'binary' || op === 'reduce'
            ? `${op}(${String(cmd.args?.[0])})`
            : op.startsWith('conv2d') && spec instanceof Uint32Array
              ? `${op} ${spec[0]}x${spec[1]}x${spec[2]}x${spec[3]}->${spec[6]} k${spec[4]} s${spec[7]}`
              : op;
        const e = this.profile.get(key) ?? { calls: 0, ms: 0 };
        e.calls += 1;
        e.ms += performance.now() - t0;
        this.profile.set(key, e);
      }
      for (const { id, b } of created) this.bind(id, b, op);
      if (cmd.resultTo !== undefined) {
        if (typeof result !== 'number') throw new Error(`${op}: kernel returned no number for result tensor ${cmd.resultTo}`);
        const b: Buffer = { handle: this.core.upload(Float32Array.of(result)), length: 1, refs: 0 };
        this.bind(cmd.resultTo, b, op);
      }
    } catch (e) {
      for (const { id, b } of created) {
        if (this.tensors.get(id) === b) this.release(id);
        else if (b.refs === 0) this.core.free(b.handle);
      }
      throw e;
    }
  }
}

/** Tensor ids a command reads (including buffers it updates in place). */
function inputsOf(cmd: Command): number[] {
  switch (cmd.kind) {
    case 'call':
      return [...cmd.inputs, ...(cmd.inplace ?? [])].filter((id): id is number => id !== null);
    case 'read':
      return [cmd.id];
    case 'alias':
    case 'assign':
      return [cmd.src];
    default:
      return [];
  }
}

/** Tensor ids whose value is unknown when a command fails: its outputs and what it updates in place. */
function writtenBy(cmd: Command): number[] {
  const inplace = cmd.kind === 'call' ? (cmd.inplace ?? []).filter((id): id is number => id !== null) : cmd.kind === 'assign' ? [cmd.id] : [];
  return [...outputsOf(cmd), ...inplace];
}

/** Tensor ids a command creates. */
function outputsOf(cmd: Command): number[] {
  switch (cmd.kind) {
    case 'upload':
    case 'alias':
      return [cmd.id];
    case 'call':
      return [...(cmd.outputs ?? []).map((o) => o.id), ...(cmd.resultTo !== undefined ? [cmd.resultTo] : [])];
    default:
      return [];
  }
}
