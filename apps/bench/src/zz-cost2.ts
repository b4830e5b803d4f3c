import { createRouter, type RouterListener } from '@router/core';
import { MockLLMClient } from '@router/testing';
import { createOtelListener } from '@router/otel';
import { trace, metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
const tracer = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: { export: (_s, d) => d({ code: 0 }), shutdown: async () => {} } })] }).getTracer('b');
const meter = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: { export: (_m, d) => d({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {} } })] }).getMeter('b');
const chunks = Array.from({ length: 24 }, (_, i) => `w${i} `);
const routerWith = (listeners: RouterListener[]) =>
  createRouter({ backends: { mock: new MockLLMClient({ name: 'mock', reply: () => ({ text: chunks.join(''), chunks }) }) }, default: 'mock', timingLog: false, listeners });
const msgs = [{ role: 'user' as const, content: 'hi' }];
async function cpu(r: ReturnType<typeof routerWith>, n: number) {
  const b = process.cpuUsage();
  for (let i = 1; i <= n; i++) { await r.generate(msgs, { model: 'm' }); if (i % 256 === 0) await new Promise(setImmediate); }
  const u = process.cpuUsage(b); return (u.user + u.system) / n;
}
const variants: Record<string, ReturnType<typeof routerWith>> = {
  none: routerWith([]),
  traceOnly: routerWith([createOtelListener({ tracer, meter: metrics.getMeter('x') })]),
  metricsOnly: routerWith([createOtelListener({ tracer: trace.getTracer('x'), meter })]),
  both: routerWith([createOtelListener({ tracer, meter })]),
};
for (const r of Object.values(variants)) await cpu(r, 20000);
const res: Record<string, number[]> = {};
for (let round = 0; round < 20; round++) for (const [k, r] of Object.entries(variants)) (res[k] ??= []).push(await cpu(r, 5000));
for (const [k, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(k, "p10", v[2]!.toFixed(2), "p50", v[10]!.toFixed(2)); }
