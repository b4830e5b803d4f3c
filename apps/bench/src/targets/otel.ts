import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { RouterListener } from '@router/core';
import { createOtelListener } from '@router/otel';

/** Takes every batch and drops it: what is measured is the listener and the SDK in the process, not a network. */
const discardSpans: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

const discardMetrics: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * `@router/otel` with the real SDK behind it, set up as an application
 * would: spans batched to an exporter, metrics aggregated and exported on
 * the SDK's default interval. The exporters drop what they get.
 */
export function otelListener(): RouterListener {
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: discardSpans })] });
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: discardMetrics })] });
  return createOtelListener({ tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') });
}
