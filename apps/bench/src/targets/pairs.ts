import type { SimulatorURLs } from '../simulator/process.ts';
import { directAI, directOpenAI } from './direct.ts';
import { openaiCompatibleRouter, openrouterRouter, routerTarget } from './routers.ts';
import type { TargetPair } from './target.ts';

/** The `openai` SDK directly vs a router over `@router/openai-compatible` (which mlx and featherless build on). */
export function openaiPair(sim: SimulatorURLs): TargetPair {
  return {
    path: 'openai',
    direct: directOpenAI(sim.openaiURL),
    router: routerTarget('router + openai-compatible', openaiCompatibleRouter(sim.openaiURL)),
  };
}

/** `streamText`/`generateText` with the OpenRouter provider directly vs a router over `@router/openrouter`. */
export function aiPair(sim: SimulatorURLs): TargetPair {
  return {
    path: 'ai',
    direct: directAI(sim.openrouterURL),
    router: routerTarget('router + openrouter', openrouterRouter(sim.openrouterURL)),
  };
}
