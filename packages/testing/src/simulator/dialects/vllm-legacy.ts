import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import type { DialectDefinition } from './dialect.ts';
import { vllmDialect, vllmErrorType } from './vllm.ts';

/** vLLM before 0.10.1: a flat `{"object": "error", message, type, param, code}`. */
function legacyError(status: number, message: string, field?: string): Record<string, unknown> {
  return { object: 'error', message, type: vllmErrorType(status), param: field ?? null, code: status };
}

function legacyErrorReply(error: SimError): HttpReply {
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify(legacyError(error.status, error.message, error.field)) };
}

/**
 * vLLM before 0.10.1: the same server with the flat error shape, before a stream and as an event
 * inside one (an event the `openai` SDK does not recognise as an error by itself).
 */
export const vllmLegacyDialect: DialectDefinition = {
  ...vllmDialect,
  name: 'vllm-legacy',
  basePaths: ['/vllm-legacy/v1'],
  stream: { ...vllmDialect.stream, errorEvent: (code, message) => legacyError(Number(code) || 500, message) },
  errorReply: legacyErrorReply,
};
