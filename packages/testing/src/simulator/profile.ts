import type { ModelProfile } from './types.ts';

/** The built-in profile: instant, unpaced, 24 tokens, no reasoning, 384-dimension embeddings. */
export const DEFAULT_PROFILE: Readonly<ModelProfile> = Object.freeze({
  ttftMs: 0,
  tokensPerSecond: Number.POSITIVE_INFINITY,
  tokensPerChunk: 1,
  outputTokens: 24,
  embeddingDimensions: 384,
  endDelayMs: 0,
  reasoningTokens: 0,
  cachedPromptTokens: 0,
  toolCallsFinishReason: 'tool_calls',
});

/** Merges partial profiles over the defaults, later ones winning; undefined fields are ignored. */
export function resolveProfile(...layers: (Partial<ModelProfile> | undefined)[]): ModelProfile {
  const profile: ModelProfile = { ...DEFAULT_PROFILE };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (profile as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return profile;
}

/** Checks a profile given in the options, naming the bad field. */
export function validateProfile(profile: Partial<ModelProfile>, where: string): void {
  const check = (field: keyof ModelProfile, ok: (value: number) => boolean, rule: string): void => {
    const value = profile[field];
    if (value === undefined) return;
    if (typeof value !== 'number' || Number.isNaN(value) || !ok(value)) {
      throw new TypeError(`${where}.${field} must be ${rule}, got ${String(value)}`);
    }
  };
  check('ttftMs', (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  check('tokensPerSecond', (v) => v > 0, 'a number > 0 (Infinity for no pacing)');
  check('tokensPerChunk', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  check('outputTokens', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  check('embeddingDimensions', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  check('endDelayMs', (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  check('reasoningTokens', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  check('cachedPromptTokens', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  if (profile.reply !== undefined && typeof profile.reply !== 'string') {
    throw new TypeError(`${where}.reply must be a string`);
  }
  const style = profile.toolCallStyle;
  if (style !== undefined && style !== 'deltas' && style !== 'whole' && style !== 'id-every-delta') {
    throw new TypeError(`${where}.toolCallStyle must be 'deltas', 'whole' or 'id-every-delta', got ${String(style)}`);
  }
  const finish = profile.toolCallsFinishReason;
  if (finish !== undefined && finish !== 'tool_calls' && finish !== 'stop') {
    throw new TypeError(`${where}.toolCallsFinishReason must be 'tool_calls' or 'stop', got ${String(finish)}`);
  }
}
