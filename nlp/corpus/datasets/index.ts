import type { CorpusItem, DatasetName } from '../types';
import { brownItems } from './brown';
import { mobyDickItems } from './moby-dick';
import { sotuItems } from './sotu';

/** The documents of a built-in dataset, the first `limit` of them when given. Order is fixed. */
export function datasetItems(name: DatasetName, limit?: number): AsyncGenerator<CorpusItem> {
  const readers: Record<DatasetName, (limit?: number) => AsyncGenerator<CorpusItem>> = {
    sotu: sotuItems,
    brown: brownItems,
    'moby-dick': mobyDickItems,
  };
  return readers[name](limit ?? Infinity);
}
