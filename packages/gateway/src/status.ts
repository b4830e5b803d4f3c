import type { LimiterState } from '@router/core';
import type { RequestLogEntry } from './log.ts';

/** How a listed model routes, as `explain` says it. */
export interface RouteStatus {
  model: string;
  backend: string | undefined;
  rule: string | undefined;
  breaker: string | undefined;
  /** The routed backend's concurrency limiter, if it has one. */
  limiter: LimiterState | undefined;
  fallbacks: string[];
}

interface Seen {
  at: number;
  id: string;
  path: string;
  model: string | undefined;
  backend: string | undefined;
  status: number;
  ms: number;
  ttftMs: number | undefined;
}

/** Requests kept for the page: enough for five busy minutes, never more. */
const keep = 2000;
/** The window the per-backend figures cover. */
const windowMs = 5 * 60_000;
const shownRecent = 25;
const apiPaths: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/chat/completions', '/embeddings', '/models']);

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Client-chosen strings (model ids, request ids) are cut short before they reach the page. */
const clip = (text: string | undefined): string => escapeHtml((text ?? '—').slice(0, 80));

function quantile(sorted: readonly number[], q: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (value: number | undefined): string => (value === undefined ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`);

/** What the status page shows: recent requests (no content) in a bounded ring, and figures per backend over the last minutes. */
export class StatusBoard {
  readonly #ring: Seen[] = [];
  #next = 0;
  #total = 0;
  readonly #startedAt = Date.now();

  observe(record: RequestLogEntry): void {
    // Model calls only: the page's own refreshes and health checks would crowd them out.
    if (!apiPaths.has(record.path)) return;
    const seen: Seen = {
      at: Date.now(),
      id: record.id,
      path: record.path,
      model: record.model,
      backend: record.backend,
      status: record.status,
      ms: record.ms,
      ttftMs: record.ttftMs,
    };
    if (this.#ring.length < keep) this.#ring.push(seen);
    else this.#ring[this.#next] = seen;
    this.#next = (this.#next + 1) % keep;
    this.#total += 1;
  }

  /** Newest first. */
  #recent(): Seen[] {
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)].reverse();
  }

  /** The page's changing part, as HTML: the page's script swaps it in every few seconds. */
  fragment(routes: readonly RouteStatus[], inFlight: number): string {
    const now = Date.now();
    const recent = this.#recent();
    const inWindow = recent.filter((seen) => now - seen.at <= windowMs && seen.backend !== undefined);
    const byBackend = new Map<string, Seen[]>();
    for (const seen of inWindow) byBackend.set(seen.backend!, [...(byBackend.get(seen.backend!) ?? []), seen]);

    const routeRows = routes
      .map(
        (route) =>
          `<tr data-model="${clip(route.model)}"><td>${clip(route.model)}</td><td>${clip(route.backend)}</td><td>${clip(route.rule)}</td>` +
          `<td class="breaker breaker-${clip(route.breaker ?? 'none')}">${clip(route.breaker ?? 'none')}</td>` +
          `<td class="in-use">${route.limiter ? `${route.limiter.inUse} / ${route.limiter.limit}` : '—'}</td><td class="queued">${route.limiter?.queued ?? '—'}</td>` +
          `<td>${route.fallbacks.map(clip).join(', ') || '—'}</td></tr>`,
      )
      .join('');
    const backendRows = [...byBackend]
      .map(([backend, seen]) => {
        const latency = seen.map((s) => s.ms).sort((a, b) => a - b);
        const ttft = seen.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs])).sort((a, b) => a - b);
        const errors = seen.filter((s) => s.status >= 400).length;
        return (
          `<tr><td>${clip(backend)}</td><td>${seen.length}</td><td>${errors}</td><td>${ms(quantile(latency, 0.5))}</td><td>${ms(quantile(latency, 0.99))}</td>` +
          `<td>${ms(quantile(ttft, 0.5))}</td><td>${ms(quantile(ttft, 0.99))}</td></tr>`
        );
      })
      .join('');
    const recentRows = recent
      .slice(0, shownRecent)
      .map(
        (seen) =>
          `<tr><td>${new Date(seen.at).toISOString().slice(11, 23)}</td><td>${clip(seen.id)}</td><td>${clip(seen.path)}</td><td>${clip(seen.model)}</td>` +
          `<td>${clip(seen.backend)}</td><td class="status-${Math.floor(seen.status / 100)}xx">${seen.status}</td><td>${ms(seen.ms)}</td></tr>`,
      )
      .join('');
    const uptime = Math.round((now - this.#startedAt) / 1000);
    return [
      `<p id="summary">Up ${uptime} s · ${inFlight} calls in flight · ${this.#total} requests · updated ${new Date(now).toISOString().slice(11, 19)} UTC</p>`,
      '<h2>Routes</h2><table id="routes"><tr><th>model</th><th>backend</th><th>rule</th><th>breaker</th><th>in flight (units / limit)</th><th>queued</th><th>fallbacks</th></tr>',
      routeRows || '<tr><td colspan="7">No models listed in the config.</td></tr>',
      '</table>',
      `<h2>Backends, last ${windowMs / 60_000} minutes</h2><table id="backends"><tr><th>backend</th><th>requests</th><th>errors</th><th>p50</th><th>p99</th><th>TTFT p50</th><th>TTFT p99</th></tr>`,
      backendRows || '<tr><td colspan="7">No calls yet.</td></tr>',
      '</table>',
      '<h2>Recent requests</h2><table id="recent"><tr><th>time (UTC)</th><th>id</th><th>route</th><th>model</th><th>backend</th><th>status</th><th>ms</th></tr>',
      recentRows || '<tr><td colspan="7">None yet.</td></tr>',
      '</table>',
    ].join('');
  }

  /** The whole page: the fragment, and a script that fetches a fresh one every `refreshMs`. */
  page(fragment: string, refreshMs: number): string {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>router-gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;margin-bottom:1rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f3f3f3}
.breaker-open{background:#f8d0d0;font-weight:bold}.breaker-half-open{background:#fbecc0}.breaker-closed{background:#d8f0d8}
.status-4xx{color:#a60}.status-5xx{color:#c00;font-weight:bold}
</style></head>
<body><h1>router-gateway</h1><main id="status">${fragment}</main>
<script>
setInterval(async () => {
  try {
    const response = await fetch('status.html', { cache: 'no-store' });
    if (response.ok) document.getElementById('status').innerHTML = await response.text();
  } catch {}
}, ${refreshMs});
</script></body></html>`;
  }
}
