/**
 * A single-consumer asynchronous queue: producers `push`, then `end` (normal end) or `fail` (the consumer's
 * next read throws). The consumer iterates with `for await`; several iterations in sequence share the
 * same queue, and leaving a loop early only detaches that iterator.
 *
 * Internal to this package. It has no size limit of its own: producers that need one (sockets) watch
 * `length` and pause their source.
 */

type Waiter<T> = {
  resolve: (r: IteratorResult<T>) => void;
  reject: (e: unknown) => void;
};

export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private waiters: Waiter<T>[] = [];
  private ended = false;
  private error: unknown = undefined;
  private failed = false;
  /** Called with each item the consumer takes (used to resume a paused source). */
  onTake: ((item: T) => void) | undefined;

  /** Items waiting to be read. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** True once `end`, `fail` or `discard` was called. */
  get closed(): boolean {
    return this.ended || this.failed;
  }

  /** Adds an item; true when it was queued, false when handed straight to a waiting reader (or dropped, closed). */
  push(item: T): boolean {
    if (this.closed) return false;
    const w = this.waiters.shift();
    if (w) {
      w.resolve({ value: item, done: false });
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** No more items: readers get what is queued, then the end. */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.settleWaiters();
  }

  /** Readers get what is queued, then `error` is thrown (once; later reads see the end). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failed = true;
    this.error = error;
    this.settleWaiters();
  }

  /** Drops the queued items and ends (local close). */
  discard(): void {
    this.items = [];
    this.head = 0;
    this.failed = false;
    this.error = undefined;
    this.ended = true;
    this.settleWaiters();
  }

  private settleWaiters(): void {
    if (this.length > 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) this.settleOne(w);
  }

  private settleOne(w: Waiter<T>): void {
    if (this.failed) {
      const e = this.error;
      this.failed = false;
      this.error = undefined;
      this.ended = true;
      w.reject(e);
    } else {
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Next item, the end, or the failure. */
  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head]!;
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.onTake?.(value);
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) {
      return new Promise((resolve, reject) => this.settleOne({ resolve, reject }));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
