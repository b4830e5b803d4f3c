import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const millis = (span: ReadableSpan): number => span.duration[0] * 1000 + span.duration[1] / 1e6;
const startOf = (span: ReadableSpan): number => span.startTime[0] * 1e9 + span.startTime[1];

/** What a line says beyond the name and duration: the backend a call was routed to, how an attempt ended, what failed. */
function details(span: ReadableSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  // An attempt's name already says its backend; a fallback shows as the next attempt.
  if (a['router.backend'] !== undefined && a['router.attempt'] === undefined) parts.push(String(a['router.backend']));
  if (a['router.attempt.outcome'] !== undefined && a['router.attempt.outcome'] !== 'ok') parts.push(String(a['router.attempt.outcome']));
  if (a['gen_ai.response.time_to_first_chunk'] !== undefined) parts.push(`first chunk ${Math.round(Number(a['gen_ai.response.time_to_first_chunk']) * 1000)} ms`);
  if (a['error.type'] !== undefined) parts.push(`error ${String(a['error.type'])}`);
  return parts.length > 0 ? `  (${parts.join(', ')})` : '';
}

/**
 * The finished spans as an indented tree, children in start order, each
 * with its duration: where a turn's time went, call by call and attempt by attempt.
 */
export function renderSpanTree(spans: readonly ReadableSpan[]): string {
  const sorted = [...spans].sort((a, b) => startOf(a) - startOf(b));
  const ids = new Set(sorted.map((span) => span.spanContext().spanId));
  const childrenOf = (span: ReadableSpan): ReadableSpan[] => sorted.filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId);
  const lines: string[] = [];
  const walk = (span: ReadableSpan, prefix: string, last: boolean, root: boolean): void => {
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    lines.push(`${prefix}${branch}${span.name}  ${Math.round(millis(span))} ms${details(span)}`);
    const children = childrenOf(span);
    const childPrefix = root ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    children.forEach((child, index) => walk(child, childPrefix, index === children.length - 1, false));
  };
  for (const root of sorted.filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId))) walk(root, '', true, true);
  return lines.join('\n');
}
