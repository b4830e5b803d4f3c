import type { DialectDefinition } from './dialects/index.ts';
import { embeddingVector, float32Base64 } from './embeddings.ts';
import type { Exchange } from './exchange.ts';
import type { RequestFaults } from './faults.ts';
import { jsonReply, sendReply } from './respond.ts';
import type { ModelProfile } from './types.ts';
import type { EmbeddingsRequest } from './validate.ts';

/** Answers `POST /embeddings`: one deterministic unit vector per input, after the profile's `ttftMs`. */
export async function answerEmbeddings(
  ctx: { exchange: Exchange; dialect: DialectDefinition; faults: Readonly<RequestFaults>; profile: ModelProfile; seed: number },
  request: EmbeddingsRequest,
): Promise<void> {
  const { exchange, dialect, faults, profile, seed } = ctx;
  if (!(await exchange.wait(profile.ttftMs))) return;
  const dimensions = request.dimensions ?? profile.embeddingDimensions;
  let chars = 0;
  const data = request.inputs.map((text, index) => {
    chars += text.length;
    const vector = embeddingVector(text, dimensions, seed);
    return { object: 'embedding', index, embedding: request.base64 ? float32Base64(vector) : Array.from(vector) };
  });
  const tokens = Math.ceil(chars / 4);
  const usage = { prompt_tokens: tokens, total_tokens: tokens, ...dialect.usageFields({ prompt_tokens: tokens, completion_tokens: 0 }) };
  const body = { object: 'list', data, model: request.model, ...dialect.completionFields(request.body), usage };
  await sendReply(exchange, jsonReply(body), faults);
}
