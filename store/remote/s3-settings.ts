// What the environment says about the S3 endpoint and region, without loading the AWS SDK (describe() needs it
// before the first request).

/** How the SDK is configured from the environment: what the client gets, and what describe() says. */
export interface S3Settings {
  /** AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; undefined for AWS itself. */
  endpoint?: string;
  /** AWS_REGION; us-east-1 for a custom endpoint without one; otherwise left to the AWS profile. */
  region?: string;
}

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv): S3Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  return { endpoint, region };
}
