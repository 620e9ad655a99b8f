/**
 * A single-consumer async queue used by the drivers of this package: producers `push`, the consumer
 * iterates. Leaving a `for await` loop early does not end the queue, so a later iteration continues
 * with the next unread item (the `ByteChannel`/`ApduChannel` contracts ask for this). A `next()` left
 * pending by a consumer that gave up (a lost race against a timer) is ended by the next caller's
 * `next()`, so a retry after a timeout works. `end(error?)` finishes every iteration, normally or by
 * throwing `error`.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;

  /** True once {@link end} was called. */
  get done(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (error !== undefined) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** Drops unread items. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++]!;
      if (this.head > 64 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      return this.error !== undefined
        ? Promise.reject(this.error)
        : Promise.resolve({ value: undefined, done: true });
    }
    // One consumer at a time: a waiter still pending here was abandoned (e.g. it lost a race against
    // a timeout), so it is ended and the new caller takes its place.
    const abandoned = this.waiter;
    this.waiter = undefined;
    abandoned?.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      // Leaving a loop early keeps the queue open for the next iteration.
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
