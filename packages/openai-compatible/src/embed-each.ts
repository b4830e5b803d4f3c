import type { Usage } from '@router/core';

/** What one embeddings request gave back. */
export interface EmbeddedPart {
  embeddings: number[][];
  usage: Usage | undefined;
  model: string | undefined;
}

function sumUsage(parts: readonly EmbeddedPart[]): Usage | undefined {
  if (parts.length === 0 || parts.some((part) => part.usage === undefined)) return undefined;
  const total: Usage = {};
  for (const field of ['inputTokens', 'totalTokens'] as const) {
    if (parts.every((part) => typeof part.usage?.[field] === 'number')) {
      total[field] = parts.reduce((sum, part) => sum + (part.usage?.[field] ?? 0), 0);
    }
  }
  return total;
}

/**
 * Embeds each input with its own request, for servers that take one string
 * per request (Ollama): at most `concurrency` requests at once, vectors in
 * input order, usage summed. After a failure no further request starts; the
 * ones in flight are awaited (so none outlives the call), then the first
 * failure is thrown.
 */
export async function embedEach(
  inputs: readonly string[],
  concurrency: number,
  embedOne: (input: string) => Promise<EmbeddedPart>,
): Promise<EmbeddedPart> {
  const parts: EmbeddedPart[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < inputs.length) {
      const index = next++;
      try {
        parts[index] = await embedOne(inputs[index] as string);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  if (failure) throw failure.error;
  return { embeddings: parts.flatMap((part) => part.embeddings), usage: sumUsage(parts), model: parts[0]?.model };
}
