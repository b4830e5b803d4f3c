import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/**
 * Featherless: OpenAI-compatible (vLLM underneath), with plan concurrency in units enforced by the
 * server (see `../featherless-plan.ts`) and a `GET /plan` route.
 */
export const featherlessDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'featherless',
  basePaths: ['/featherless/v1'],
  extraRoutes: ['plan'],
  enforcesPlanUnits: true,
  sampleModels: ['Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-Small-24B-Instruct-2501', 'meta-llama/Llama-3.3-70B-Instruct'],
  completionId: (sequence) => `chatcmpl-fl${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'featherless', context_length: 16384 }),
};
