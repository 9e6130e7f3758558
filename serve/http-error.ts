// Every error the server answers is JSON `{error, hint?}` with a 4xx/5xx status; this is how handlers raise one.
import { RegistryError } from '../store/registry-types';
import { ModelInputError, ModelLoadError } from './types';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    /** Extra response headers, e.g. the `Allow` a 405 must carry. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): { error: string; hint?: string } {
    return this.hint === undefined ? { error: this.message } : { error: this.message, hint: this.hint };
  }
}

/** Known errors keep their meaning (a bad reference is 400, a missing model 404); anything else is a 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof RegistryError) {
    const status = error.code === 'invalid-ref' ? 400 : error.code === 'invalid-model' ? 500 : 404;
    return new HttpError(status, error.message, error.hint);
  }
  if (error instanceof ModelInputError) return new HttpError(400, error.message, error.hint);
  if (error instanceof ModelLoadError) return new HttpError(500, error.message, error.hint);
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(500, `internal error: ${message}`, 'the server log ($KILN_HOME/serve.log when started by kiln) has details');
}
