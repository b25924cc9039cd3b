import type { Core } from './core.js';
import type { BatchResult, Command, ExecutorStats } from './protocol.js';

interface Slot {
  handle: number;
  length: number;
}

/**
 * Runs command batches against a loaded core. The same class serves the
 * in-thread mode (Node) and the worker (browsers, Node on request).
 */
export class Executor {
  private readonly slots = new Map<number, Slot>();

  constructor(readonly core: Core) {}

  submit(batch: Command[]): BatchResult {
    const reads: Float32Array[] = [];
    for (let i = 0; i < batch.length; i++) {
      const cmd = batch[i];
      try {
        const r = this.run(cmd);
        if (r) reads.push(r);
      } catch (e) {
        return { reads, error: { index: i, op: cmd.kind, message: e instanceof Error ? e.message : String(e) } };
      }
    }
    return { reads };
  }

  stats(): ExecutorStats {
    const s = this.core.storeStats();
    return {
      tensors: this.slots.size,
      buffers: s.buffers,
      floats: s.floats,
      heapBytes: this.core.heapBytes(),
      threadTaskCounts: this.core.threadTaskCounts(),
    };
  }

  resetThreadTaskCounts(): void {
    this.core.resetThreadTaskCounts();
  }

  private get(id: number, op: string): Slot {
    const s = this.slots.get(id);
    if (!s) throw new Error(`${op}: tensor ${id} does not exist (disposed?)`);
    return s;
  }

  /** Allocates the output tensor `id` of `length` floats. */
  private output(id: number, length: number, op: string): Slot {
    if (this.slots.has(id)) throw new Error(`${op}: output tensor ${id} already exists`);
    const s = { handle: this.core.alloc(length), length };
    this.slots.set(id, s);
    return s;
  }

  /** Runs `f` with a fresh output; frees it again if `f` throws. */
  private withOutput(id: number, length: number, op: string, f: (out: Slot) => void): void {
    const out = this.output(id, length, op);
    try {
      f(out);
    } catch (e) {
      this.slots.delete(id);
      this.core.free(out.handle);
      throw e;
    }
  }

  private run(cmd: Command): Float32Array | undefined {
    switch (cmd.kind) {
      case 'upload': {
        if (this.slots.has(cmd.id)) throw new Error(`upload: tensor ${cmd.id} already exists`);
        this.slots.set(cmd.id, { handle: this.core.upload(cmd.data), length: cmd.data.length });
        return undefined;
      }
      case 'free': {
        const s = this.get(cmd.id, 'free');
        this.slots.delete(cmd.id);
        this.core.free(s.handle);
        return undefined;
      }
      case 'read': {
        const s = this.get(cmd.id, 'read');
        return this.core.read(s.handle, s.length);
      }
      case 'matMul': {
        const a = this.get(cmd.a, 'matMul');
        const b = this.get(cmd.b, 'matMul');
        this.withOutput(cmd.out, cmd.m * cmd.n, 'matMul', (out) =>
          this.core.raw.matMul(a.handle, b.handle, out.handle, cmd.m, cmd.n, cmd.k, cmd.transA, cmd.transB),
        );
        return undefined;
      }
    }
  }
}
