/**
 * A worker process: it builds its variants' targets once (usually one
 * variant: a side of a comparison), then runs operations when told and
 * reports what they cost. Keeping each side in its own process keeps the
 * two from sharing JIT feedback, heap and garbage collections, as two
 * applications would not share them; the main process alternates between
 * the workers, so they never run at once.
 */
import { createInterface } from 'node:readline';
import { simulatedToolCalls } from '@router/testing';
import { IntegrityCheck, ToolCallCheck, type IntegrityCounts } from './integrity.ts';
import { generateOp, streamOp, toolStreamOp, type OpResult } from './ops.ts';
import { benchMessages, benchModels, benchTools } from './simulator/models.ts';
import { buildTarget, buildToolTarget } from './targets/build.ts';
import type { RunCommand, RunReport, VariantSpec, WorkerSetup } from './variant.ts';

const setup = JSON.parse(process.argv[2] ?? '{}') as WorkerSetup;

interface Variant {
  op: () => Promise<OpResult>;
  check: { readonly counts: IntegrityCounts };
}

function variantOf(spec: VariantSpec): Variant {
  const model = benchModels[spec.model];
  if (spec.operation === 'tool-stream') {
    const check = new ToolCallCheck(simulatedToolCalls({ model: model.id, messages: benchMessages, tools: benchTools }));
    return { check, op: toolStreamOp(buildToolTarget(spec, setup.urls), model, check) };
  }
  const check = new IntegrityCheck(model);
  const target = buildTarget(spec, setup.urls);
  return { check, op: spec.operation === 'generate' ? generateOp(target, model, check) : streamOp(target, model, check) };
}

const variants = setup.specs.map(variantOf);

/**
 * Runs operations for `ms`. No forced collection between runs: a full
 * collection shrinks the young generation, and the run after it pays for
 * many more scavenges than an application in its steady state ever does,
 * the more so the more a side allocates (it inflated the router's cost per
 * chunk from 1.13-1.27x to 1.31-1.34x of direct). Each worker's own garbage is its own cost.
 */
async function run({ variant, ms, concurrency }: RunCommand): Promise<RunReport> {
  const { op, check } = variants[variant]!;
  const latencyMs: number[] = [];
  const ttftMs: number[] = [];
  let chunks = 0;
  const until = performance.now() + ms;
  const worker = async (): Promise<void> => {
    // Every worker runs at least one operation, so each level of concurrency is really reached.
    for (let first = true; first || performance.now() < until; first = false) {
      const begin = performance.now();
      const result = await op();
      latencyMs.push(performance.now() - begin);
      if (result.ttftMs !== undefined) ttftMs.push(result.ttftMs);
      chunks += result.chunks ?? 0;
    }
  };
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  return { count: latencyMs.length, latencyMs, ttftMs, cpuUs: cpu.user + cpu.system, chunks, wallMs, integrity: check.counts };
}

const reply = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

reply({ ready: true });
const commands = createInterface({ input: process.stdin });
try {
  for await (const line of commands) reply(await run(JSON.parse(line) as RunCommand));
} catch (error) {
  reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
// Keep-alive sockets would hold the process open: the main process is done with it.
process.exit(0);
