// Which instances each training step reads: epoch e is a permutation that depends only on (instances,
// seed, e), walked in batch_size chunks. The cursor {epoch, offset} is all the data state a checkpoint needs.
import type { PretrainingBatch } from './batch';

/** A split of pretraining data; the pretraining-data reader's splits have this shape. */
export interface BatchSource {
  instances: number;
  seqLength: number;
  maxPredictions: number;
  readBatch(indices: readonly number[]): Promise<PretrainingBatch>;
}

/** The order of epoch `epoch`: a permutation of 0..instances-1 (the data reader's epochPermutation). */
export type Permutation = (instances: number, seed: number, epoch: number) => Uint32Array;

export interface DataCursor {
  epoch: number;
  /** Position in the epoch's permutation of the next batch's first instance. */
  offset: number;
}

export const START: DataCursor = { epoch: 0, offset: 0 };

/**
 * Walks epochs in fixed-size batches. The tail of an epoch shorter than a batch is skipped, so every
 * batch has batch_size instances and every epoch's batches are disjoint.
 */
export class DataOrder {
  private cached: { epoch: number; order: Uint32Array } | undefined;

  constructor(
    private readonly permutation: Permutation,
    readonly instances: number,
    readonly batchSize: number,
    readonly seed: number,
  ) {
    if (instances < batchSize) throw new RangeError(`${instances} instances cannot fill one batch of ${batchSize}`);
  }

  /** The indices of the batch at `cursor` and the cursor after it. */
  next(cursor: DataCursor): { indices: number[]; next: DataCursor } {
    let { epoch, offset } = cursor;
    if (offset + this.batchSize > this.instances) {
      epoch += 1;
      offset = 0;
    }
    const order = this.order(epoch);
    const indices = Array.from(order.subarray(offset, offset + this.batchSize));
    return { indices, next: { epoch, offset: offset + this.batchSize } };
  }

  private order(epoch: number): Uint32Array {
    if (this.cached?.epoch !== epoch) {
      const order = this.permutation(this.instances, this.seed, epoch);
      if (order.length !== this.instances) {
        throw new Error(`permutation of epoch ${epoch} has ${order.length} entries, expected ${this.instances}`);
      }
      this.cached = { epoch, order };
    }
    return this.cached.order;
  }
}
