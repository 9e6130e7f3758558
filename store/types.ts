import type { Json } from '../contract/json';

/** An artifact in the content-addressed store. This is what step outputs carry, never the data itself. */
export interface ArtifactRef {
  [key: string]: Json;
  /** `kiln://sha256/<hex>` */
  uri: string;
  /** What it is: `corpus`, `tokenizer`, `pretraining-data`, `model`, `metrics`, `report`, ... */
  kind: string;
  /** `sha256:<hex>`, of the file or, for a directory, of its manifest. */
  digest: string;
  bytes: number;
  meta: { [key: string]: Json };
}

export function isArtifactRef(value: unknown): value is ArtifactRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ArtifactRef).uri === 'string' &&
    (value as ArtifactRef).uri.startsWith('kiln://sha256/')
  );
}
