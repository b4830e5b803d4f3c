import type { RouterEvent, RouterListener } from './events.ts';

export type TimingLogFormat = 'text' | 'json';

export interface TimingLogOptions {
  format?: TimingLogFormat;
  /** Where lines go; default: standard error. One call per line, without the newline. */
  write?: (line: string) => void;
}

function writeStderr(line: string): void {
  globalThis.process?.stderr?.write(`${line}\n`);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** Names the error's kind and status, never its message (which may quote a provider's body). */
function describeError(error: { name: string; code: string; status: number | undefined }): string {
  return `${error.name}(${error.code}${error.status === undefined ? '' : ` ${error.status}`})`;
}

function formatText(event: RouterEvent): string | undefined {
  const where = `[${event.backend}] ${event.model}`;
  switch (event.type) {
    case 'call-start':
      // Streams log one line at the end, as the seed did.
      if (event.operation === 'stream') return undefined;
      return event.operation === 'embed'
        ? `LLM embed START ${where} inputs=${event.inputs ?? 1} in_chars=${event.inputChars}`
        : `LLM generate START ${where} in_chars=${event.inputChars}`;
    case 'first-chunk':
      return undefined;
    case 'call-end': {
      const served = event.servedBy === event.backend ? '' : ` served_by=${event.servedBy}`;
      const attempts = event.attempts > 1 ? ` attempts=${event.attempts}` : '';
      if (event.operation === 'stream') {
        const ttft = event.ttftMs === undefined ? '-' : seconds(event.ttftMs);
        return `LLM stream ${where} ttft=${ttft} total=${seconds(event.durationMs)} in_chars=${event.inputChars} out_chars=${event.outputChars}${attempts}${served}`;
      }
      if (event.operation === 'embed') {
        return `LLM embed END ${where} ${seconds(event.durationMs)} inputs=${event.inputs ?? 1} in_chars=${event.inputChars}${attempts}${served}`;
      }
      return `LLM generate END ${where} ${seconds(event.durationMs)} in_chars=${event.inputChars} out_chars=${event.outputChars}${attempts}${served}`;
    }
    case 'call-error': {
      const ttft = event.ttftMs === undefined ? '' : ` ttft=${seconds(event.ttftMs)}`;
      return `LLM ${event.operation} ERROR ${where}${ttft} total=${seconds(event.durationMs)} in_chars=${event.inputChars} out_chars=${event.outputChars} error=${describeError(event.error)}`;
    }
    // Reliability: only what deviates from the happy path gets a line; the call's own line says attempts and served_by.
    // A failed attempt is always followed by a retry, fallback or error line, which say why.
    case 'attempt-start':
    case 'attempt-end':
      return undefined;
    case 'retry':
      return `LLM retry ${where} after attempt ${event.attempt} in ${seconds(event.delayMs)} error=${describeError(event.error)}`;
    case 'queue-wait':
      return `LLM queue ${where} waited ${seconds(event.waitMs)}`;
    case 'fallback':
      return `LLM fallback ${where} -> [${event.to}] ${event.toModel} error=${describeError(event.error)}`;
    case 'breaker':
      return `LLM breaker [${event.backend}] ${event.previous} -> ${event.state}`;
  }
}

function formatJson(event: RouterEvent): string {
  const { error, ...rest } = event as RouterEvent & { error?: { name: string; code: string; status: number | undefined; isRetryable: boolean } };
  const record: Record<string, unknown> = { ts: new Date().toISOString(), event: event.type, ...rest };
  delete record.type;
  if (error) record.error = { name: error.name, code: error.code, status: error.status, retryable: error.isRetryable };
  return JSON.stringify(record);
}

/** A router listener that writes the timing log: seed-style text lines, or one JSON object per line. */
export function createTimingLog(options: TimingLogOptions = {}): RouterListener {
  const write = options.write ?? writeStderr;
  if (options.format === 'json') return (event) => write(formatJson(event));
  return (event) => {
    const line = formatText(event);
    if (line !== undefined) write(line);
  };
}

/**
 * Reads `ROUTER_LLM_TIMING` (or the seed's `CHAT_LLM_TIMING`): `1`/`true`/`text`
 * for text lines, `json` for JSON lines; anything else, or unset, is off. An
 * environment the process may not read (Deno without `--allow-env` throws on
 * access) is off too: creating a router must not need that permission.
 */
export function timingLogFormatFromEnv(env: Record<string, string | undefined> | undefined = globalThis.process?.env): TimingLogFormat | undefined {
  let value: string | undefined;
  try {
    value = (env?.ROUTER_LLM_TIMING ?? env?.CHAT_LLM_TIMING)?.trim().toLowerCase();
  } catch {
    return undefined;
  }
  if (value === 'json') return 'json';
  if (value === '1' || value === 'true' || value === 'text' || value === 'on') return 'text';
  return undefined;
}
