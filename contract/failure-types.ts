// Failure types that retrying cannot help. Shared by the activities that raise them and the workflow
// whose retry policies list them; this file must stay free of imports so the workflow bundle can take it.
export const NON_RETRYABLE_TYPES = ['InvalidInput', 'GateFailed', 'ChecksumMismatch', 'CorruptCheckpoint'] as const;
export type NonRetryableType = (typeof NON_RETRYABLE_TYPES)[number];
