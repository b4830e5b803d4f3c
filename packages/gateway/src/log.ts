/** One line per request: who, what and how long; never message content or keys. */
export interface RequestLogEntry {
  /** ISO time the request arrived. */
  time: string;
  id: string;
  method: string;
  path: string;
  status: number;
  /** The requested model. */
  model?: string;
  /** The backend that served (after any fallback), by its router key. */
  backend?: string;
  /** The adapter that served, by its own name (`featherless`), whatever the router calls it. */
  adapter?: string;
  /** The model the backend reported. */
  servedModel?: string;
  /** The key's name (never the key). */
  key?: string;
  stream?: boolean;
  /** Milliseconds from arrival to the end of the response (a stream's end). */
  ms: number;
  /** Streams: milliseconds from arrival to the first text chunk. */
  ttftMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  cost?: number;
  /** The OpenAI error code or type, on failure. */
  error?: string;
}

/** The default sink: a JSON line on standard output (or the console, off Node). */
export function writeJsonLine(entry: RequestLogEntry): void {
  const line = JSON.stringify(entry);
  const stdout = globalThis.process?.stdout;
  if (stdout) stdout.write(`${line}\n`);
  else console.log(line);
}
