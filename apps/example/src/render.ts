import type { CallRecord } from './calls.ts';
import type { TurnResult } from './turn.ts';

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)}s`);

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
}

/** The last column: a failure, or the tools the model called (the turn's tool round). */
function note(call: CallRecord): string {
  if (!call.ok) return 'failed';
  return call.toolCalls?.length ? `called ${call.toolCalls.map((tool) => tool.name).join(', ')}` : '';
}

/** The table of every call in a turn. */
export function callTable(calls: readonly CallRecord[]): string {
  const header = ['operation', 'backend', 'adapter', 'model', 'attempts', 'ttft', 'total', ''];
  const rows = [...calls]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((call) => [call.op, call.backend, call.adapter ?? '-', call.model, String(call.attempts), secs(call.ttftMs), secs(call.ms), note(call)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  return [pad(header, widths), pad(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((row) => pad(row, widths))].join('\n');
}

/** Everything after the streamed reply: state updates, the call table and where the time went. */
export function turnSummary(result: TurnResult, sequential: boolean): string {
  const lines: string[] = ['', 'Relationship updates:'];
  for (const pair of result.stateUpdates) {
    const via = pair.servedBy ? `  [${pair.servedBy.backend}]` : '';
    lines.push(
      pair.update
        ? `  ${pair.from} -> ${pair.to}: ${pair.update.affinity > 0 ? '+' : ''}${pair.update.affinity}  ${pair.update.reason}${via}`
        : `  ${pair.from} -> ${pair.to}: failed (${pair.error})${via}`,
    );
  }
  const sumOfCalls = result.calls.reduce((total, call) => total + call.ms, 0);
  lines.push('', callTable(result.calls), '');
  const ratio = (result.turnMs / result.criticalPathMs).toFixed(2);
  lines.push(
    sequential
      ? `Turn (sequential): ${secs(result.turnMs)} wall; its calls run in parallel would need ${secs(result.criticalPathMs)} (the critical path)`
      : `Turn: ${secs(result.turnMs)} wall, ${ratio}x its critical path of ${secs(result.criticalPathMs)}; the calls add up to ${secs(sumOfCalls)}, about what --sequential takes`,
  );
  return lines.join('\n');
}
