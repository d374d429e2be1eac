/**
 * The buffer behind one `for await` over a stream: events wait here until the loop asks for
 * them; after `end()` or `fail()` the buffered ones are still yielded first.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private waiting?: { resolve: (result: IteratorResult<T>) => void; reject: (e: unknown) => void };
  private finished = false;
  private failure?: { error: unknown };

  /** `onReturn` runs when the loop is left early (break, return, throw). */
  constructor(private readonly onReturn: () => void) {}

  push(value: T): void {
    if (this.finished) return;
    if (this.waiting) {
      this.waiting.resolve({ value, done: false });
      this.waiting = undefined;
    } else {
      this.buffered.push(value);
    }
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
  }

  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = { error };
    this.waiting?.reject(error);
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) {
      return Promise.resolve({ value: this.buffered.shift() as T, done: false });
    }
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
