import { context, type Attributes, type Meter, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/** A reader that exports nothing by itself: the test collects when it wants to look. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A span as the tests compare it: its name and its children, in start order. */
export interface SpanShape {
  name: string;
  children: SpanShape[];
}

export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  spans(): ReadableSpan[];
  /** The one finished span of that name. */
  byName(name: string): ReadableSpan;
  /** The finished spans as a forest of names. */
  tree(): SpanShape[];
  metric(name: string): Promise<MetricData | undefined>;
}

/** The real SDK with in-memory exporting: a tracer, a meter, and what they recorded. */
export function createTelemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const byName = (name: string): ReadableSpan => {
    const found = spans().filter((span) => span.name === name);
    if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${spans().map((s) => s.name).join(', ')}`);
    return found[0]!;
  };
  return {
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    spans,
    byName,
    tree(): SpanShape[] {
      const all = [...spans()].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      const shape = (span: ReadableSpan): SpanShape => ({
        name: span.name,
        children: all.filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId).map(shape),
      });
      const ids = new Set(all.map((span) => span.spanContext().spanId));
      return all.filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId)).map(shape);
    },
    async metric(name: string): Promise<MetricData | undefined> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name);
    },
  };
}

/** The data points of a metric as attributes and value, for `toEqual`. */
export function points(metric: MetricData | undefined): { attributes: Attributes; value: unknown }[] {
  return (metric?.dataPoints ?? []).map((point: DataPoint<unknown>) => ({
    attributes: point.attributes,
    value: typeof point.value === 'object' && point.value !== null && 'count' in point.value ? { count: point.value.count, sum: (point.value as { sum?: number }).sum } : point.value,
  }));
}

/** Async context for the test file, as an application's Node SDK would install it. */
export function installContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
  };
}
