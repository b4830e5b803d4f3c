import type { LimiterState } from '@router/core';
import type { RequestLogEntry } from './log.ts';

/** Upper bounds of the latency and time-to-first-token buckets, in seconds. */
const buckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Paths that get their own label; every other path counts as `other`, so clients cannot grow the series. */
const knownRoutes: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/chat/completions', '/embeddings', '/models']);

class Histogram {
  readonly counts: number[] = new Array<number>(buckets.length).fill(0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count += 1;
    this.sum += seconds;
    for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]!) this.counts[i]! += 1;
  }

  render(name: string, labels: string, lines: string[]): void {
    buckets.forEach((bound, i) => lines.push(`${name}_bucket{${labels},le="${bound}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`, `${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
  }
}

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A routed backend's breaker and concurrency limiter now, for those it has. */
export interface BackendState {
  backend: string;
  breaker: string | undefined;
  limiter: LimiterState | undefined;
}

/** What `/metrics` shows beside the per-request series: the gateway's open calls, and each routed backend's breaker and limiter. */
export interface LiveState {
  inFlight: number;
  backends: BackendState[];
}

const breakerValue: Readonly<Record<string, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** The gauges of each routed backend's concurrency limiter (for a shared store, units in use count every process). */
const limiterGauges: readonly (readonly [name: string, help: string, read: (limiter: LimiterState) => number])[] = [
  ['router_gateway_limiter_in_use', "Units in use under each routed backend's concurrency limiter (calls in flight, weighted by their cost).", (limiter) => limiter.inUse],
  ['router_gateway_limiter_queued', "Calls waiting for a slot of each routed backend's concurrency limiter.", (limiter) => limiter.queued],
  ['router_gateway_limiter_limit', "The limit of each routed backend's concurrency limiter, in units.", (limiter) => limiter.limit],
];

/** Request counters and histograms, fed from the log records, rendered in Prometheus text format. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #ttft = new Map<string, Histogram>();

  observe(record: RequestLogEntry): void {
    const route = knownRoutes.has(record.path) ? record.path.replace(/^(?!\/v1)/, '/v1') : 'other';
    const base = `route="${route}",backend="${escape(record.backend ?? 'none')}"`;
    const withStatus = `${base},status="${record.status}"`;
    this.#requests.set(withStatus, (this.#requests.get(withStatus) ?? 0) + 1);
    if (record.error !== undefined) {
      const key = `${base},code="${escape(record.error)}"`;
      this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
    }
    if (route === 'other') return;
    histogram(this.#latency, base).observe(record.ms / 1000);
    if (record.ttftMs !== undefined) histogram(this.#ttft, base).observe(record.ttftMs / 1000);
  }

  render(live: LiveState): string {
    const lines: string[] = [];
    counter(lines, 'router_gateway_requests_total', 'Requests answered, by route, serving backend and status.', this.#requests);
    counter(lines, 'router_gateway_errors_total', 'Failed requests, by route, backend and OpenAI error code.', this.#errors);
    lines.push('# HELP router_gateway_request_duration_seconds Time from arrival to the end of the response (a stream\'s end).', '# TYPE router_gateway_request_duration_seconds histogram');
    for (const [labels, h] of this.#latency) h.render('router_gateway_request_duration_seconds', labels, lines);
    lines.push('# HELP router_gateway_time_to_first_token_seconds Streams: time from arrival to the first text chunk.', '# TYPE router_gateway_time_to_first_token_seconds histogram');
    for (const [labels, h] of this.#ttft) h.render('router_gateway_time_to_first_token_seconds', labels, lines);
    lines.push('# HELP router_gateway_in_flight Calls open now (streams until they end).', '# TYPE router_gateway_in_flight gauge', `router_gateway_in_flight ${live.inFlight}`);
    lines.push('# HELP router_gateway_breaker_state Circuit breaker of each routed backend: 0 closed, 1 half-open, 2 open.', '# TYPE router_gateway_breaker_state gauge');
    for (const { backend, breaker } of live.backends) if (breaker !== undefined) lines.push(`router_gateway_breaker_state{backend="${escape(backend)}"} ${breakerValue[breaker] ?? -1}`);
    const limited = live.backends.filter((state) => state.limiter !== undefined);
    for (const [name, help, read] of limiterGauges) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const { backend, limiter } of limited) lines.push(`${name}{backend="${escape(backend)}"} ${read(limiter!)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function histogram(map: Map<string, Histogram>, labels: string): Histogram {
  let h = map.get(labels);
  if (h === undefined) map.set(labels, (h = new Histogram()));
  return h;
}

function counter(lines: string[], name: string, help: string, values: Map<string, number>): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
  for (const [labels, value] of values) lines.push(`${name}{${labels}} ${value}`);
}
