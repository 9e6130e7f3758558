// Where a path a pipeline names (an `x-kiln-path` input) points: `~/...` is under the user's home directory, a
// relative path is relative to the pipeline file's directory. The compiler's check, the step cache and the steps
// all resolve it here, so they agree.
import os from 'node:os';
import path from 'node:path';

export function resolveInputPath(baseDir: string, value: string): string {
  if (value === '~' || value.startsWith('~/')) return path.join(os.homedir(), value.slice(1));
  return path.resolve(baseDir, value);
}
