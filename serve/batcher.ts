// Micro-batching: texts of concurrent requests for one model go through one forward pass and are split back.
// The first text waits at most `maxWaitMs` for company; a full batch starts at once; passes run one at a time
// (the backend computes on this thread anyway), and texts that arrived during a pass go in the next one.
import type { BatchOptions } from './limits';

interface Entry<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Entry<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Forward passes run so far. */
  passes = 0;

  constructor(
    /** Must return one output per item, in order. */
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: BatchOptions,
  ) {}

  /** Outputs for `items`, in order; they may share passes with other callers' items. */
  submit(items: I[]): Promise<O[]> {
    const results = items.map((item) => new Promise<O>((resolve, reject) => this.queue.push({ item, resolve, reject })));
    this.schedule();
    return Promise.all(results);
  }

  /** True when nothing is queued or running: the model may be disposed. */
  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch) {
      void this.flush();
    } else {
      this.timer ??= setTimeout(() => void this.flush(), this.options.maxWaitMs);
    }
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.options.maxBatch);
    try {
      const outputs = await this.run(batch.map((e) => e.item));
      if (outputs.length !== batch.length) throw new Error(`the model returned ${outputs.length} results for ${batch.length} texts`);
      batch.forEach((e, i) => e.resolve(outputs[i]!));
    } catch (error) {
      for (const e of batch) e.reject(error);
    } finally {
      this.passes++;
      this.running = false;
      // What queued up during the pass has waited long enough: run it next, after pending I/O callbacks.
      if (this.queue.length > 0) setImmediate(() => void this.flush());
    }
  }
}
