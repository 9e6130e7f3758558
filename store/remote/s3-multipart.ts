// A large file goes up as a multipart upload: parts read from disk in order (so kiln hashes the whole file as it
// goes), at most PARALLEL_PARTS in flight, each with its own SHA-256 for the server to check. S3's checksum of the
// result is a checksum of the parts, so the file's own sha256 travels as metadata. An upload that fails, or loses
// the create-only race, is aborted, leaving no parts behind.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const PARALLEL_PARTS = 4;

export interface MultipartUpload {
  client: S3Client;
  bucket: string;
  /** The full key (with the store's prefix). */
  key: string;
  file: string;
  bytes: number;
  /** The whole file's hex sha256: checked as the parts are read, stored as x-amz-meta-sha256. */
  sha256: string;
  partBytes: number;
  /** Complete with If-None-Match: * (false where the server lacks conditional writes). */
  createOnly: boolean;
  /** Runs one SDK call, translating its failure (S3ObjectStore's error mapping). */
  call: <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
}

/** Uploads the file; a completion refused because the key was created meanwhile throws a conflicting S3RequestError. */
export async function uploadInParts(upload: MultipartUpload): Promise<void> {
  const { client, bucket, key, call } = upload;
  const created = await call('CreateMultipartUpload', () =>
    client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256', Metadata: { sha256: upload.sha256 } })),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`S3 CreateMultipartUpload ${key}: the server returned no upload id`);
  let completed = false;
  try {
    const parts = await uploadParts(upload, uploadId);
    await call('CompleteMultipartUpload', () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          IfNoneMatch: upload.createOnly ? '*' : undefined,
        }),
      ),
    );
    completed = true;
  } finally {
    if (!completed) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
  }
}

/** Part size: as asked, but at least 5 MiB, and large enough that the file fits in 10,000 parts. */
export function partBytesFor(fileBytes: number, wanted: number): number {
  return Math.max(wanted, MIN_PART_BYTES, Math.ceil(fileBytes / MAX_PARTS));
}

async function uploadParts(upload: MultipartUpload, uploadId: string): Promise<CompletedPart[]> {
  const { client, bucket, key, call } = upload;
  const partBytes = partBytesFor(upload.bytes, upload.partBytes);
  const hash = createHash('sha256');
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const handle = await fs.open(upload.file, 'r');
  try {
    for (let offset = 0, partNumber = 1; offset < upload.bytes && !failure; offset += partBytes, partNumber += 1) {
      // One part in memory per upload in flight: a Buffer body, unlike a stream, can be re-sent when the SDK retries.
      const body = await readExactly(handle, offset, Math.min(partBytes, upload.bytes - offset));
      hash.update(body);
      const checksum = createHash('sha256').update(body).digest('base64');
      const number = partNumber;
      const task = call(`UploadPart ${number}`, () =>
        client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: body, ChecksumSHA256: checksum })),
      )
        .then((result) => {
          parts[number - 1] = { PartNumber: number, ETag: result.ETag, ChecksumSHA256: checksum };
        })
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= PARALLEL_PARTS) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await handle.close();
  }
  if (failure) throw failure.error;
  const actual = hash.digest('hex');
  if (actual !== upload.sha256) {
    throw new Error(`${upload.file} has sha256 ${actual}, not the ${upload.sha256} it was to be stored under (did it change during the upload?)`);
  }
  return parts;
}

async function readExactly(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + filled} (the file shrank during the upload)`);
    filled += bytesRead;
  }
  return buffer;
}
