import { startSimulator, type Simulator } from '@router/testing';
import type { AppConfig } from './config.ts';

/**
 * Simulated mode: the project's simulator, in-process, with latency profiles
 * that resemble the real services — a 24B narrative model streaming at tens of
 * tokens per second, an 8B classifier on a fast provider at hundreds (and
 * locally at tens), local embeddings in milliseconds. The app then runs exactly as in live mode,
 * pointed at it.
 */
export async function startSimulatedServices(config: AppConfig): Promise<{ simulator: Simulator; config: AppConfig }> {
  const simulator = await startSimulator({
    models: {
      [config.models.narrative]: { ttftMs: 400, tokensPerSecond: 45, tokensPerChunk: 1, outputTokens: 90 },
      [config.models.classifier]: { ttftMs: 120, tokensPerSecond: 600, tokensPerChunk: 4 },
      // The same 8B weights on a laptop: slower to read the prompt, and far fewer tokens per second.
      ...(config.models.localClassifier && { [config.models.localClassifier]: { ttftMs: 250, tokensPerSecond: 60, tokensPerChunk: 1 } }),
      [config.models.embedding]: { ttftMs: 8, embeddingDimensions: 384 },
    },
  });
  return {
    simulator,
    config: {
      ...config,
      openrouter: { apiKey: 'simulated-openrouter-key', baseURL: simulator.baseURL('openrouter') },
      featherless: { apiKey: 'simulated-featherless-key', baseURL: simulator.baseURL('featherless') },
      mlx: { baseURL: simulator.baseURL('mlx') },
    },
  };
}
