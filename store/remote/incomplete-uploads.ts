// Multipart uploads begun and never completed or aborted (a worker killed while uploading a large artifact): no
// object listing shows them, but their parts take space in the bucket, and AWS bills it. kiln's S3 store aborts the
// uploads it fails itself; `kiln store gc` aborts the ones a dead process left. ObjectStore knows nothing of uploads,
// so this asks S3 directly, configured as the store is (the AWS SDK is loaded only when it is used).
import { parseStoreSetting } from './config';
import { s3SettingsFromEnv } from './s3-settings';
import { translateS3Error, type S3Target } from './s3-errors';

export interface IncompleteUpload {
  /** The object key the upload would create, relative to the store's prefix. */
  key: string;
  uploadId: string;
  /** When it began (ms since the epoch). */
  initiatedMs: number;
}

export interface IncompleteUploads {
  list(): AsyncIterable<IncompleteUpload>;
  abort(upload: IncompleteUpload): Promise<void>;
}

/** The uploads of the S3 store KILN_STORE names; undefined for a store that has none (local, file://). */
export function incompleteUploadsFromEnv(env: NodeJS.ProcessEnv = process.env): IncompleteUploads | undefined {
  const setting = parseStoreSetting(env.KILN_STORE);
  if (setting.kind !== 's3') return undefined;
  const { bucket } = setting;
  const base = setting.prefix ? `${setting.prefix}/` : '';
  const endpoint = s3SettingsFromEnv(env).endpoint;
  const target: S3Target = { description: `s3://${bucket}/${setting.prefix}${endpoint ? ` at ${endpoint}` : ''}`, bucket, customEndpoint: endpoint !== undefined };
  const load = async () => {
    const [sdk, { s3ClientFromEnv }] = await Promise.all([import('@aws-sdk/client-s3'), import('./s3-client')]);
    return { sdk, client: s3ClientFromEnv(env) };
  };
  let loaded: ReturnType<typeof load> | undefined;
  const call = async <T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw translateS3Error(error, target, operation, key);
    }
  };
  return {
    async *list() {
      const { sdk, client } = await (loaded ??= load());
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await call('ListMultipartUploads', base, () =>
          client.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: base, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })),
        );
        for (const upload of page.Uploads ?? []) {
          // An upload without a start time cannot be shown to be abandoned.
          if (!upload.Key?.startsWith(base) || !upload.UploadId || !upload.Initiated) continue;
          yield { key: upload.Key.slice(base.length), uploadId: upload.UploadId, initiatedMs: upload.Initiated.getTime() };
        }
        const more = page.IsTruncated && (page.NextKeyMarker !== keyMarker || page.NextUploadIdMarker !== uploadIdMarker);
        keyMarker = more ? page.NextKeyMarker : undefined;
        uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
      } while (keyMarker !== undefined || uploadIdMarker !== undefined);
    },
    async abort(upload) {
      const { sdk, client } = await (loaded ??= load());
      await call('AbortMultipartUpload', upload.key, () =>
        client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: base + upload.key, UploadId: upload.uploadId })),
      );
    },
  };
}
