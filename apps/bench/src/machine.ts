import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, type } from 'node:os';

/** Where the figures come from: they mean little without it. */
export function describeMachine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // Not Linux: os.cpus() already named it.
  }
  return `${availableParallelism()} CPUs (${model.trim()}), Node ${process.version}, ${type()} ${release()}`;
}
