import { createRouterProvider } from '@router/ai-sdk';
import { createRouter, type CallOptions, type Router, type RouterConfig } from '@router/core';
import { streamText } from 'ai';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { createOpenRouterBackend } from '@router/openrouter';
import { benchMessages, benchTools } from '../simulator/models.ts';
import type { AssembledToolCall, Target, ToolTarget } from './target.ts';

/** Router settings a case may add (hooks, reliability); the timing log is off unless a case turns it on. */
export type RouterExtras = Omit<RouterConfig, 'backends' | 'default' | 'rules'>;

/** A router with one backend, the default route: the cheapest routing there is, so what it costs is the router itself. */
function oneBackendRouter(backend: RouterConfig['backends'][string], extras: RouterExtras): Router {
  return createRouter({ timingLog: false, ...extras, backends: { sim: backend }, default: 'sim' });
}

/**
 * A router over `@router/openai-compatible` (the `openai` SDK). Its connections are not the
 * limit here (the memory case holds 1,000 streams open; the direct side's global fetch has no cap).
 */
export function openaiCompatibleRouter(baseURL: string, extras: RouterExtras = {}): Router {
  return oneBackendRouter(createOpenAICompatibleBackend({ name: 'sim', baseURL, apiKey: 'bench-key', maxConnections: 4096 }), extras);
}

/** A router over `@router/openrouter` (the `ai` SDK with `@openrouter/ai-sdk-provider`). */
export function openrouterRouter(baseURL: string, extras: RouterExtras = {}): Router {
  return oneBackendRouter(createOpenRouterBackend({ name: 'sim', baseURL, apiKey: 'bench-key' }), extras);
}

/** Calls through a router, as an application would, with `options` (a signal, a timeout) on every call. */
export function routerTarget(label: string, router: Router, options: Omit<CallOptions, 'model'> = {}): Target {
  return {
    label,
    async generate(model) {
      return (await router.generate(benchMessages, { ...options, model })).text;
    },
    async stream(model, onText) {
      for await (const text of router.stream(benchMessages, { ...options, model })) onText(text);
    },
  };
}

const ignore = (): void => {};

/**
 * `streamText` over the router as an AI SDK provider (`@router/ai-sdk`), as
 * the direct side calls it over the OpenRouter provider: no retries of its
 * own, reading `fullStream` so errors are not dropped.
 */
export function routerProviderTarget(label: string, router: Router): Target {
  const provider = createRouterProvider(router);
  return {
    label,
    generate() {
      throw new TypeError('the router provider is measured on streams only');
    },
    async stream(model, onText) {
      const result = streamText({ model: provider(model), messages: benchMessages, maxRetries: 0, onError: ignore });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') onText(part.text);
        else if (part.type === 'error') throw part.error;
      }
    },
  };
}

/**
 * Streams tool calls through a router's parts view: a `tool-call-start` and
 * each `tool-call-delta` are the deltas, and core's assembled `tool-call`
 * parts (arguments parsed) are the calls.
 */
export function routerToolTarget(label: string, router: Router): ToolTarget {
  return {
    label,
    async streamToolCalls(model, onDelta) {
      const calls: AssembledToolCall[] = [];
      for await (const part of router.stream(benchMessages, { model, tools: benchTools }).parts()) {
        if (part.type === 'tool-call-delta') onDelta(part.index, part.argumentsDelta);
        else if (part.type === 'tool-call-start') onDelta(part.index, '');
        else if (part.type === 'tool-call') calls.push(part.toolCall);
      }
      return calls;
    },
  };
}
