import { openSync, writeSync } from 'node:fs';
import { devNull } from 'node:os';
import { createTimingLog } from '@router/core';
import type { SimulatorURLs } from '../simulator/process.ts';
import { directAI, directOpenAI, directOpenAITools } from './direct.ts';
import { otelListener } from './otel.ts';
import { openaiCompatibleRouter, openrouterRouter, routerProviderTarget, routerTarget, routerToolTarget, type RouterExtras } from './routers.ts';
import type { Target, ToolTarget } from './target.ts';

/**
 * Which SDK: `openai` (the SDK directly, or a router over
 * `@router/openai-compatible`, which mlx and featherless build on), `ai`
 * (`streamText`/`generateText` with the OpenRouter provider directly, or a
 * router over `@router/openrouter`), or `ai-provider` (`streamText` with the
 * OpenRouter provider directly, or `streamText` with `@router/ai-sdk`'s
 * provider over a router over `@router/openrouter`).
 */
export type Sdk = 'openai' | 'ai' | 'ai-provider';

/**
 * The router's hooks: `none` (no listeners), `off` (the timing log left to
 * the environment, which says off), or the timing log on in `text` or
 * `json`, written to the null device; a listener that does nothing (`empty`:
 * what any listener costs the router), or `@router/otel` with the SDK (`otel`).
 */
export type Hooks = 'none' | 'off' | 'text' | 'json' | 'empty' | 'otel';

/** A way of calling, described in plain data so a worker process can build it. */
export interface TargetSpec {
  sdk: Sdk;
  side: 'direct' | 'router';
  /** Router only; default `none`. */
  hooks?: Hooks;
}

/** Writes each line to the null device: a real write, as to a log file, without filling a terminal. */
function nullSink(): (line: string) => void {
  const fd = openSync(devNull, 'w');
  return (line) => void writeSync(fd, `${line}\n`);
}

function hookSettings(hooks: Hooks): RouterExtras {
  switch (hooks) {
    case 'none':
      return { timingLog: false };
    case 'off':
      // What most users have: no explicit setting, and the environment variable unset or off.
      process.env.ROUTER_LLM_TIMING = '0';
      delete process.env.CHAT_LLM_TIMING;
      return { timingLog: undefined };
    case 'text':
    case 'json':
      return { timingLog: false, listeners: [createTimingLog({ format: hooks, write: nullSink() })] };
    case 'empty':
      return { timingLog: false, listeners: [() => {}] };
    case 'otel':
      return { timingLog: false, listeners: [otelListener()] };
  }
}

/** Builds the target a spec describes, against the simulator. */
export function buildTarget(spec: TargetSpec, urls: SimulatorURLs): Target {
  if (spec.side === 'direct') return spec.sdk === 'openai' ? directOpenAI(urls.openaiURL) : directAI(urls.openrouterURL);
  const settings = hookSettings(spec.hooks ?? 'none');
  if (spec.sdk === 'openai') return routerTarget('router + openai-compatible', openaiCompatibleRouter(urls.openaiURL, settings));
  const router = openrouterRouter(urls.openrouterURL, settings);
  return spec.sdk === 'ai' ? routerTarget('router + openrouter', router) : routerProviderTarget('ai SDK + router provider', router);
}

/** Builds the tool-call stream a spec describes (the `openai` path only). */
export function buildToolTarget(spec: TargetSpec, urls: SimulatorURLs): ToolTarget {
  if (spec.sdk !== 'openai') throw new TypeError(`the tool-call stream is measured on the openai path, not ${spec.sdk}`);
  if (spec.side === 'direct') return directOpenAITools(urls.openaiURL);
  return routerToolTarget('router + openai-compatible', openaiCompatibleRouter(urls.openaiURL, hookSettings(spec.hooks ?? 'none')));
}
