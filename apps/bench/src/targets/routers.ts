import { createRouter, type CallOptions, type Router, type RouterConfig } from '@router/core';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { createOpenRouterBackend } from '@router/openrouter';
import { benchMessages } from '../simulator/models.ts';
import type { Target } from './target.ts';

/** Router settings a case may add (hooks, reliability); the timing log is off unless a case turns it on. */
export type RouterExtras = Omit<RouterConfig, 'backends' | 'default' | 'rules'>;

/** A router with one backend, the default route: the cheapest routing there is, so what it costs is the router itself. */
function oneBackendRouter(backend: RouterConfig['backends'][string], extras: RouterExtras): Router {
  return createRouter({ timingLog: false, ...extras, backends: { sim: backend }, default: 'sim' });
}

/** A router over `@router/openai-compatible` (the `openai` SDK). */
export function openaiCompatibleRouter(baseURL: string, extras: RouterExtras = {}): Router {
  return oneBackendRouter(createOpenAICompatibleBackend({ name: 'sim', baseURL, apiKey: 'bench-key' }), extras);
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
