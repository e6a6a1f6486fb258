/**
 * A bounded least-recently-used map from prompt to embedding row. Concurrent misses for the same
 * prompt share one computation (the in-flight promise), so a prompt is never encoded twice at once.
 */
export class EmbeddingCache {
  private readonly rows = new Map<string, Float32Array>();
  private readonly pending = new Map<string, Promise<Float32Array>>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.rows.size;
  }

  /** The cached row (marked most recent), or the promise of one being computed, else undefined. */
  lookup(key: string): Float32Array | Promise<Float32Array> | undefined {
    const row = this.rows.get(key);
    if (row) {
      this.rows.delete(key);
      this.rows.set(key, row);
      this.hits++;
      return row;
    }
    const pending = this.pending.get(key);
    if (pending) this.hits++;
    return pending;
  }

  /** Registers the computation of `keys` (all misses): each key resolves to its row when done. */
  compute(keys: readonly string[], run: () => Promise<Float32Array[]>): Promise<Float32Array>[] {
    this.misses += keys.length;
    const batch = run();
    const perKey = keys.map((key, i) => {
      const p = batch.then((rows) => rows[i]!);
      this.pending.set(key, p);
      return p;
    });
    batch.then(
      (rows) => keys.forEach((key, i) => this.store(key, rows[i]!)),
      () => undefined,
    ).finally(() => keys.forEach((key, i) => {
      if (this.pending.get(key) === perKey[i]) this.pending.delete(key);
    }));
    return perKey;
  }

  clear(): void {
    this.rows.clear();
    this.hits = 0;
    this.misses = 0;
  }

  private store(key: string, row: Float32Array): void {
    if (this.capacity === 0) return;
    this.rows.delete(key);
    this.rows.set(key, row);
    while (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value!);
  }
}
