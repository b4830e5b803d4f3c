import { InvalidRequestError } from './errors.ts';

/** What a router checks before it routes: the options every call shares (the backend checks the rest). */
export function validateOptions(options: { model?: unknown; timeoutMs?: unknown; deadline?: unknown; extraBody?: unknown } | undefined): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidRequestError('options', 'must be an object with at least a `model`.');
  }
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new InvalidRequestError('options.model', 'is required: a non-empty model id string.');
  }
  const { model } = options;
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
    throw new InvalidRequestError('options.timeoutMs', `must be a positive number of milliseconds (got ${String(options.timeoutMs)}).`, { model });
  }
  if (options.deadline !== undefined && !(typeof options.deadline === 'number' && Number.isFinite(options.deadline))) {
    throw new InvalidRequestError('options.deadline', 'must be an epoch time in milliseconds.', { model });
  }
  if (options.extraBody !== undefined && (options.extraBody === null || typeof options.extraBody !== 'object' || Array.isArray(options.extraBody))) {
    throw new InvalidRequestError('options.extraBody', 'must be a plain object.', { model });
  }
}
