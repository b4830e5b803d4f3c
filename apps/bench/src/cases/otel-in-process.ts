import { createRouter, type RouterListener } from '@router/core';
import { MockLLMClient } from '@router/testing';
import { benchMessages, benchModels, replyTokens } from '../simulator/models.ts';
import { otelListener } from '../targets/otel.ts';

/** CPU microseconds per call of each variant, one value per round. */
export interface InProcessSamples {
  none: number[];
  otel: number[];
}

export interface InProcessPlan {
  rounds: number;
  callsPerRound: number;
  warmupCalls: number;
}

/**
 * How the route is served: `direct` (no reliability policy: the router calls
 * the backend, no attempt events) or `retry` (a retry policy: the reliability
 * chain runs, and the listener records an attempt span per call).
 */
export type Route = 'direct' | 'retry';

/** What is measured: the operation, the route, and the reply (`short`: 24 chunks, `long`: 300). */
export interface InProcessSpec {
  operation: 'generate' | 'stream';
  route: Route;
  model: 'short' | 'long';
}

/** A router over an in-memory backend answering the model's reply, with or without listeners. */
function routerWith(listeners: RouterListener[], route: Route, model: InProcessSpec['model']) {
  const chunks = replyTokens(benchModels[model].chunks);
  const backend = new MockLLMClient({ name: 'mock', reply: () => ({ text: chunks.join(''), chunks }) });
  const reliability = route === 'retry' ? { mock: { retry: { maxAttempts: 2 } } } : undefined;
  return createRouter({ backends: { mock: backend }, default: 'mock', timingLog: false, listeners, ...(reliability && { reliability }) });
}

/** Runs `call` `count` times one after another; yields to the event loop every few milliseconds, so the SDK's export timers run as in an application. */
async function cpuPerCall(call: () => Promise<unknown>, count: number): Promise<number> {
  const before = process.cpuUsage();
  let yielded = performance.now();
  for (let i = 1; i <= count; i++) {
    await call();
    if (performance.now() - yielded > 5) {
      await new Promise(setImmediate);
      yielded = performance.now();
    }
  }
  const { user, system } = process.cpuUsage(before);
  return (user + system) / count;
}

/**
 * What the listener costs per call without the HTTP stack around it: the
 * router over an in-memory backend, with no listener and with
 * `@router/otel`, alternating round by round in this process. An HTTP call
 * costs a hundred times more CPU than the listener, so on a busy machine the
 * end-to-end difference is lost in the noise; here it is not.
 */
export async function measureInProcess({ operation, route, model: modelKey }: InProcessSpec, plan: InProcessPlan): Promise<InProcessSamples> {
  const model = benchModels[modelKey].id;
  const variants = { none: routerWith([], route, modelKey), otel: routerWith([otelListener()], route, modelKey) };
  const calls = {
    none: operation === 'generate' ? () => variants.none.generate(benchMessages, { model }) : () => variants.none.stream(benchMessages, { model }).collect(),
    otel: operation === 'generate' ? () => variants.otel.generate(benchMessages, { model }) : () => variants.otel.stream(benchMessages, { model }).collect(),
  };
  await cpuPerCall(calls.none, plan.warmupCalls);
  await cpuPerCall(calls.otel, plan.warmupCalls);
  const samples: InProcessSamples = { none: [], otel: [] };
  for (let round = 0; round < plan.rounds; round++) {
    // The order alternates, so drift in the machine falls on both alike.
    const order = round % 2 === 0 ? (['none', 'otel'] as const) : (['otel', 'none'] as const);
    for (const variant of order) samples[variant].push(await cpuPerCall(calls[variant], plan.callsPerRound));
  }
  return samples;
}
