// The S3 client, configured the AWS SDK's standard way from the environment: AWS_ENDPOINT_URL (path-style for a
// custom endpoint), AWS_REGION, the access keys or AWS_PROFILE, and SHA-256 checksums that kiln sends itself.
import { S3Client } from '@aws-sdk/client-s3';

import { s3SettingsFromEnv } from './s3-settings';

export { s3SettingsFromEnv, type S3Settings } from './s3-settings';

export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const { endpoint, region } = s3SettingsFromEnv(env);
  // kiln supports Node 20; the SDK's notice about its releases of 2027 would print on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    endpoint,
    region,
    // S3-compatible servers rarely have wildcard DNS for bucket.host names.
    forcePathStyle: endpoint !== undefined,
    // Recent SDKs add CRC32 checksums by default, which some S3-compatible servers reject; kiln sends SHA-256 itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Keys from `env` (which may not be process.env); otherwise the SDK's chain: environment, AWS_PROFILE, SSO, IMDS…
    credentials: keys
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID as string, secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined,
    profile: env.AWS_PROFILE,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
}
