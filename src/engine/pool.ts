/**
 * Recycled float buffers for the training step. Inside `withBufferPool(fn)`,
 * op outputs and gradients come from size-classed free lists instead of fresh
 * allocations, and when `fn` returns every buffer taken inside goes back to
 * the lists. A step's shapes repeat, so after the first step a training loop
 * allocates (almost) nothing: no page faults, no zeroing of fresh memory and
 * far less work for the garbage collector.
 *
 * The rule that makes it safe: nothing computed inside the scope may be read
 * after it ends (copy out what you need, e.g. `loss.item()`). Gradients of
 * trainable leaves are never pooled; they outlive every step.
 */
class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private taken: Float32Array[] = [];

  take(n: number): Float32Array {
    const cls = sizeClass(n);
    const list = this.free.get(cls);
    const buf = list !== undefined && list.length > 0 ? list.pop()! : new Float32Array(cls);
    this.taken.push(buf);
    return buf.length === n ? buf : buf.subarray(0, n);
  }

  releaseAll(): void {
    for (const buf of this.taken) {
      const cls = buf.length;
      let list = this.free.get(cls);
      if (list === undefined) {
        list = [];
        this.free.set(cls, list);
      }
      list.push(buf);
    }
    this.taken = [];
  }

  /** Floats held in free lists (for the memory-flatness check). */
  heldFloats(): number {
    let n = 0;
    for (const [cls, list] of this.free) n += cls * list.length;
    return n;
  }
}

/** Smallest power of two ≥ n (at least 64 floats), so varying batch shapes still share buffers. */
function sizeClass(n: number): number {
  let c = 64;
  while (c < n) c *= 2;
  return c;
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

/** Run `fn` with op buffers drawn from the pool; they are all recycled when it returns. */
export function withBufferPool<T>(fn: () => T): T {
  if (active !== null) return fn();
  active = shared;
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
