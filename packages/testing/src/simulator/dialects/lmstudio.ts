import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/**
 * LM Studio's OpenAI API: the key is a placeholder (any or none is accepted), and a model is loaded
 * on its first use (`mlx.coldStartMs` of the simulator options) and unloaded after an idle TTL
 * (`mlx.unloadAfterMs`), so a later call can be cold again.
 */
export const lmstudioDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'lmstudio',
  basePaths: ['/lmstudio/v1'],
  bearerRequired: false,
  loadsModelsOnFirstUse: true,
  sampleModels: ['qwen2.5-7b-instruct', 'text-embedding-nomic-embed-text-v1.5'],
  stream: { ...openaiDialect.stream, separateRoleChunk: false, roleInEveryDelta: true },
  completionId: (sequence) => `chatcmpl-lms${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', owned_by: 'organization_owner', created: MODEL_CREATED }),
};
