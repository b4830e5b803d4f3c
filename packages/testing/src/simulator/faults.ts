import { DIALECTS, type Dialect, type Fault, type FaultRule } from './types.ts';

/** Default number of content chunks sent before a mid-stream fault acts. */
export const DEFAULT_AFTER_CHUNKS = 2;

/** The request header that applies faults to one request: JSON of a Fault or an array of Faults. */
export const FAULT_HEADER = 'x-sim-fault';

const FAULT_KINDS: readonly Fault['kind'][] = [
  'status', 'reset', 'close-mid-stream', 'malformed-event', 'error-event', 'no-finish', 'stall', 'crlf', 'split-writes',
];
const STALL_PHASES = ['headers', 'first-chunk', 'between-chunks'] as const;

/** Throws a TypeError naming the field when `value` is not a valid Fault. */
export function validateFault(value: unknown, where: string): asserts value is Fault {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${where} must be an object with a "kind"`);
  const fault = value as Record<string, unknown>;
  if (!FAULT_KINDS.includes(fault.kind as Fault['kind'])) {
    throw new TypeError(`${where}.kind must be one of ${FAULT_KINDS.join(', ')}; got ${JSON.stringify(fault.kind)}`);
  }
  const count = (field: string): void => {
    const v = fault[field];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw new TypeError(`${where}.${field} must be an integer >= 0`);
    }
  };
  count('afterChunks');
  if (fault.kind === 'status') {
    const status = fault.status;
    if (!(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599)) {
      throw new TypeError(`${where}.status must be an HTTP status between 100 and 599`);
    }
    if (fault.retryAfter !== undefined && typeof fault.retryAfter !== 'string') {
      throw new TypeError(`${where}.retryAfter must be a string (seconds or an HTTP date)`);
    }
  }
  if (fault.kind === 'stall') {
    if (!STALL_PHASES.includes(fault.phase as (typeof STALL_PHASES)[number])) {
      throw new TypeError(`${where}.phase must be one of ${STALL_PHASES.join(', ')}`);
    }
    if (!(typeof fault.ms === 'number' && Number.isFinite(fault.ms) && fault.ms >= 0)) {
      throw new TypeError(`${where}.ms must be a finite number >= 0`);
    }
  }
}

/** Throws a TypeError naming the field when `rule` is not a valid FaultRule. */
export function validateFaultRule(rule: FaultRule, where: string): void {
  if (typeof rule !== 'object' || rule === null) throw new TypeError(`${where} must be an object`);
  validateFault(rule.fault, `${where}.fault`);
  if (rule.dialect !== undefined && !DIALECTS.includes(rule.dialect)) {
    throw new TypeError(`${where}.dialect must be one of ${DIALECTS.join(', ')}`);
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
    throw new TypeError(`${where}.times must be an integer >= 0`);
  }
}

/** Parses the `x-sim-fault` header; throws a TypeError explaining what is wrong. */
export function parseFaultHeader(header: string | string[] | undefined): Fault[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TypeError(`${FAULT_HEADER} must be JSON of a fault or an array of faults; got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const faults = Array.isArray(parsed) ? parsed : [parsed];
  faults.forEach((fault, i) => validateFault(fault, Array.isArray(parsed) ? `${FAULT_HEADER}[${i}]` : FAULT_HEADER));
  return faults as Fault[];
}

/** What a request is matched on. */
export interface FaultTarget {
  dialect: Dialect;
  path: string;
  model: string | undefined;
}

interface LiveRule {
  rule: FaultRule;
  remaining: number;
}

/** The configured rules, with their remaining `times`. */
export class FaultRules {
  #rules: LiveRule[] = [];

  add(rule: FaultRule): void {
    validateFaultRule(rule, 'fault rule');
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The faults of every rule matching `target`, using up one of each rule's `times`. */
  take(target: FaultTarget): Fault[] {
    if (this.#rules.length === 0) return [];
    const faults: Fault[] = [];
    for (const live of this.#rules) {
      const { rule } = live;
      if (live.remaining <= 0) continue;
      if (rule.dialect !== undefined && rule.dialect !== target.dialect) continue;
      if (rule.path !== undefined && rule.path !== target.path) continue;
      if (rule.model !== undefined && rule.model !== target.model) continue;
      live.remaining -= 1;
      faults.push(rule.fault);
    }
    return faults;
  }
}

/** A mid-stream fault that ends the response early. */
export type Interruption = Extract<Fault, { kind: 'close-mid-stream' | 'malformed-event' | 'error-event' }>;

/** The faults of one request, folded into what the response writers need. */
export interface RequestFaults {
  /** Kind of the first fault, for the log. */
  first: Fault['kind'] | undefined;
  reset: boolean;
  status: Extract<Fault, { kind: 'status' }> | undefined;
  stallBeforeHeadersMs: number;
  stallBeforeFirstChunkMs: number;
  stallBetweenChunks: { ms: number; afterChunks: number } | undefined;
  /** The first interrupting fault and the content chunk count after which it acts. */
  interruption: { fault: Interruption; afterChunks: number } | undefined;
  noFinish: boolean;
  crlf: boolean;
  splitWrites: boolean;
}

/** Shared by every request without faults, so the common path allocates nothing. */
export const NO_FAULTS: Readonly<RequestFaults> = Object.freeze({
  first: undefined,
  reset: false,
  status: undefined,
  stallBeforeHeadersMs: 0,
  stallBeforeFirstChunkMs: 0,
  stallBetweenChunks: undefined,
  interruption: undefined,
  noFinish: false,
  crlf: false,
  splitWrites: false,
});

/** Folds a list of faults (header faults first, then rules) into one RequestFaults. */
export function foldFaults(faults: readonly Fault[]): Readonly<RequestFaults> {
  if (faults.length === 0) return NO_FAULTS;
  const folded: RequestFaults = { ...NO_FAULTS, first: faults[0]?.kind };
  for (const fault of faults) {
    switch (fault.kind) {
      case 'status':
        folded.status ??= fault;
        break;
      case 'reset':
        folded.reset = true;
        break;
      case 'close-mid-stream':
      case 'malformed-event':
      case 'error-event':
        folded.interruption ??= { fault, afterChunks: fault.afterChunks ?? DEFAULT_AFTER_CHUNKS };
        break;
      case 'no-finish':
        folded.noFinish = true;
        break;
      case 'stall':
        if (fault.phase === 'headers') folded.stallBeforeHeadersMs += fault.ms;
        else if (fault.phase === 'first-chunk') folded.stallBeforeFirstChunkMs += fault.ms;
        else folded.stallBetweenChunks ??= { ms: fault.ms, afterChunks: fault.afterChunks ?? DEFAULT_AFTER_CHUNKS };
        break;
      case 'crlf':
        folded.crlf = true;
        break;
      case 'split-writes':
        folded.splitWrites = true;
        break;
    }
  }
  return folded;
}
