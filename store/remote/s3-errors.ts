// What an S3 failure means to a kiln user. A store that cannot work at all (unreachable, no bucket, refused
// credentials) becomes one ObjectStoreError line naming the store and endpoint, with the variables to check; any
// other failure becomes a one-line S3RequestError that the retry policy handles. No SDK stack reaches the user.
import { ObjectStoreError } from './object-store';

/** Where a request went, for messages. */
export interface S3Target {
  /** `s3://bucket/prefix at http://host:port (region)`: ObjectStore.describe(). */
  description: string;
  bucket: string;
  /** Whether AWS_ENDPOINT_URL points at an S3-compatible server rather than AWS. */
  customEndpoint: boolean;
}

/** A request the server answered with an error (or that failed in transit), reduced to what callers test. */
export class S3RequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status: number | undefined,
    /** The S3 error code (`PreconditionFailed`, `NoSuchKey`, …) or the network error code. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'S3RequestError';
  }

  /** The write's condition failed: the object exists (If-None-Match) or has another etag, or is gone (If-Match). */
  get isConflict(): boolean {
    return this.status === 412 || this.status === 409 || this.code === 'PreconditionFailed' || this.code === 'ConditionalRequestConflict';
  }

  get isNotFound(): boolean {
    return this.status === 404 || this.code === 'NoSuchKey' || this.code === 'NotFound';
  }

  /** The server does not implement what the request asked for (a conditional write, say). */
  get isNotImplemented(): boolean {
    return this.status === 501 || this.code === 'NotImplemented';
  }
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);
const AUTH_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  // versitygw's answer to an access key it does not know
  'XAdminUserNotFound',
]);

/** Turns anything the SDK throws during `operation` on `key` into an ObjectStoreError or an S3RequestError. */
export function translateS3Error(error: unknown, target: S3Target, operation: string, key: string): ObjectStoreError | S3RequestError {
  if (error instanceof ObjectStoreError || error instanceof S3RequestError) return error;
  const sdk = (error ?? {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const code = sdk.Code ?? sdk.code ?? (sdk.name && sdk.name !== 'Error' ? sdk.name : undefined) ?? (status ? `HTTP ${status}` : 'Error');
  const detail = firstLine(sdk.message) || code;
  const where = target.description;
  const variables = target.customEndpoint ? 'AWS_ENDPOINT_URL, AWS_REGION' : 'AWS_REGION (and AWS_ENDPOINT_URL for an S3-compatible server)';

  if (NETWORK_CODES.has(code) || (status === undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|timed? ?out/i.test(detail))) {
    return new ObjectStoreError(
      `cannot reach ${where}: ${detail}`,
      `check ${variables}: the endpoint must be reachable from this machine, and the S3 server running`,
    );
  }
  if (code === 'NoSuchBucket') {
    return new ObjectStoreError(
      `${where}: bucket "${target.bucket}" does not exist`,
      `create the bucket, or fix the bucket in KILN_STORE=s3://BUCKET/PREFIX (and AWS_ENDPOINT_URL if it lives on another server)`,
    );
  }
  if (AUTH_CODES.has(code) || status === 403) {
    return new ObjectStoreError(
      `${where}: access denied (${code === detail ? code : `${code}: ${detail}`})`,
      `check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE): they must be valid on this server and allowed to read and write s3://${target.bucket}`,
    );
  }
  if (sdk.name === 'CredentialsProviderError') {
    return new ObjectStoreError(
      `${where}: no AWS credentials found (${detail})`,
      'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile in ~/.aws/credentials',
    );
  }
  if (/region is missing/i.test(detail)) {
    return new ObjectStoreError(`${where}: no AWS region configured`, 'set AWS_REGION (for example us-east-1), or a region in the AWS profile');
  }
  const statusText = status ? ` (HTTP ${status})` : '';
  return new S3RequestError(`S3 ${operation} ${key || '(bucket)'} on ${where} failed: ${code}${statusText}: ${detail}`, status, code);
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}
