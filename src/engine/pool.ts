import { profileMark } from "./profile.js";

/**
 * Recycled float buffers for the training step. Inside `withBufferPool(fn)`,
 * op outputs and gradients come from size-classed free lists instead of fresh
 * allocations, and when `fn` returns every buffer taken inside goes back to
 * the lists. A step's shapes repeat, so after the first steps a training loop
 * allocates (almost) nothing: no page faults, no zeroing of fresh memory and
 * far less work for the garbage collector.
 *
 * What keeps the pool small when shapes vary (length-bucketed batches make
 * steps of 7 different sizes, each twice the one before):
 * - a request with no free buffer of its own class takes the smallest larger
 *   free one, so the buffers of the longest step serve every shorter step;
 * - after each step the pool keeps at most 1.25 times the most it ever had
 *   in use at once, dropping its smallest buffers first (those a larger one
 *   can stand in for);
 * - `recycle` hands a buffer back in the middle of a step: backward returns
 *   each intermediate's gradient once its op has passed it on, so the
 *   gradients of a step are not all alive at the same time.
 *
 * The rule that makes it safe: nothing computed inside the scope may be read
 * after it ends (copy out what you need, e.g. `loss.item()`), and nothing
 * recycled may be read after `recycle`. Gradients of trainable leaves are
 * never pooled; they outlive every step.
 */
class BufferPool {
  /** Free buffers by size class; `classes` lists the classes in ascending order. */
  private readonly free = new Map<number, Float32Array[]>();
  private classes: number[] = [];
  /** Buffers handed out in this step, by their memory (views share it with the buffer). */
  private readonly taken = new Map<ArrayBufferLike, Float32Array>();
  private held = 0;
  private inUse = 0;
  private mostInUse = 0;

  take(n: number): Float32Array {
    const buf = this.pop(sizeClass(n)) ?? new Float32Array(sizeClass(n));
    this.taken.set(buf.buffer, buf);
    this.inUse += buf.length;
    if (this.inUse > this.mostInUse) this.mostInUse = this.inUse;
    return buf.length === n ? buf : buf.subarray(0, n);
  }

  /** Give back one buffer taken in this step (a view of it will do); others are ignored. */
  recycle(view: Float32Array): void {
    const buf = this.taken.get(view.buffer);
    if (buf === undefined) return;
    this.taken.delete(view.buffer);
    this.inUse -= buf.length;
    this.push(buf);
  }

  releaseAll(): void {
    for (const buf of this.taken.values()) this.push(buf);
    this.taken.clear();
    this.inUse = 0;
    const keep = 1.25 * this.mostInUse;
    for (let i = 0; this.held > keep && i < this.classes.length; i++) {
      const cls = this.classes[i]!;
      const list = this.free.get(cls)!;
      while (this.held > keep && list.length > 0) {
        list.pop();
        this.held -= cls;
      }
    }
  }

  /** Floats held in free lists (for the memory-flatness check). */
  heldFloats(): number {
    return this.held;
  }

  /** The smallest free buffer of at least class `cls`, or undefined. */
  private pop(cls: number): Float32Array | undefined {
    for (const c of this.classes) {
      if (c < cls) continue;
      const buf = this.free.get(c)!.pop();
      if (buf !== undefined) {
        this.held -= c;
        return buf;
      }
    }
    return undefined;
  }

  private push(buf: Float32Array): void {
    const cls = buf.length;
    let list = this.free.get(cls);
    if (list === undefined) {
      list = [];
      this.free.set(cls, list);
      this.classes = [...this.free.keys()].sort((a, b) => a - b);
    }
    list.push(buf);
    this.held += cls;
  }
}

/**
 * The size class of n floats: n rounded up to 8, 9, …, 15 times a power of
 * two (at least 64), so a buffer wastes at most an eighth of itself.
 */
export function sizeClass(n: number): number {
  if (n <= 64) return 64;
  let step = 1;
  while (step * 16 < n) step *= 2;
  return Math.ceil(n / step) * step;
}

let active: BufferPool | null = null;
const shared = new BufferPool();

/** A buffer of n floats whose contents are unspecified (the caller overwrites all of it). */
export function allocUninit(n: number): Float32Array {
  return active === null ? new Float32Array(n) : active.take(n);
}

/** A zero-filled buffer of n floats. */
export function alloc(n: number): Float32Array {
  return active === null ? new Float32Array(n) : active.take(n).fill(0);
}

/**
 * Hand a pooled buffer back before the scope ends; it must not be read or
 * written afterwards. A buffer that did not come from the pool is left alone.
 */
export function recycle(buf: Float32Array): void {
  active?.recycle(buf);
}

/** Run `fn` with op buffers drawn from the pool; they are all recycled when it returns. */
export function withBufferPool<T>(fn: () => T): T {
  if (active !== null) return fn();
  active = shared;
  profileMark();
  try {
    return fn();
  } finally {
    active = null;
    shared.releaseAll();
  }
}

export function pooledFloats(): number {
  return shared.heldFloats();
}
