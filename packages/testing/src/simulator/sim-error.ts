import { STATUS_CODES } from 'node:http';

/** What went wrong, before a dialect puts it in its own error shape. */
export interface SimError {
  status: number;
  message: string;
  /** OpenAI-style error type, e.g. `invalid_request_error`. */
  type: string;
  /** OpenAI-style error code, e.g. `invalid_api_key`. */
  code?: string;
  /** The request field at fault (validation errors). */
  field?: string;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
}

/** An HTTP response ready to send. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });
export const TEXT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/plain; charset=utf-8' });

/** The OpenAI error type for a status. */
export function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** An error for a status, with the standard reason phrase as message unless one is given. */
export function errorForStatus(status: number, message?: string): SimError {
  return { status, message: message ?? `${STATUS_CODES[status] ?? 'Error'} (simulated)`, type: typeForStatus(status) };
}

export function invalidRequest(field: string, message: string): SimError {
  return { status: 400, message, type: 'invalid_request_error', field };
}
