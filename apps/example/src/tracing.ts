import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RouterListener } from '@router/core';
import { createOtelListener } from '@router/otel';
import { renderSpanTree } from './span-tree.ts';

export interface TurnTracing {
  /** Goes into the router's listeners. */
  listener: RouterListener;
  /** Runs one turn inside a `turn` span; resolves with its result and the turn's span tree as text. */
  traceTurn<T>(run: () => Promise<T>): Promise<{ result: T; tree: string }>;
}

/**
 * `--otel`: the real OpenTelemetry SDK, kept in memory, so that each turn
 * can be printed as its span tree. An application would export to a
 * collector instead (see @router/otel's README).
 */
export function createTurnTracing(): TurnTracing {
  // What the Node SDK does for an application: context that follows awaits, so calls nest under the turn.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('@router/example');
  return {
    listener: createOtelListener({ tracer, providers: { narrative: 'featherless', classifier: 'openrouter', local: 'mlx' } }),
    async traceTurn(run) {
      exporter.reset();
      const result = await tracer.startActiveSpan('turn', async (span) => {
        try {
          return await run();
        } finally {
          span.end();
        }
      });
      return { result, tree: renderSpanTree(exporter.getFinishedSpans()) };
    },
  };
}
