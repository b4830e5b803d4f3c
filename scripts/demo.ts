// A router of three in-memory backends, routing three calls by model id with
// the seed's policy. Stands in for the example app until it exists.
import { createBackend, createRouter, seedPolicy, type Backend } from '../packages/core/src/index.ts';

function inMemory(name: string): Backend {
  const reply = (model: string) => `${name} answered ${model}`;
  return createBackend({
    name,
    capabilities: { embeddings: true },
    generate: async ({ options }) => ({ text: reply(options.model), finishReason: 'stop' }),
    async *stream({ options }) {
      for (const word of reply(options.model).split(/(?<= )/)) yield { type: 'text', text: word };
      yield { type: 'finish', finishReason: 'stop' };
    },
    embed: async ({ input }) => ({ embeddings: input.map((text) => [text.length]) }),
  });
}

const llm = createRouter(
  seedPolicy({
    local: inMemory('mlx'),
    narrative: inMemory('featherless'),
    classifier: inMemory('openrouter'),
    narrativeModel: 'mistralai/Mistral-Small-24B-Instruct-2501',
  }),
);

console.log(`node ${process.version}`);
const messages = [{ role: 'user' as const, content: 'Hello' }];
for (const model of ['mistralai/Mistral-Small-24B-Instruct-2501', 'meta-llama/llama-3.1-8b-instruct']) {
  const { text, backend } = await llm.generate(messages, { model });
  console.log(`${model} -> [${backend}] ${text}`);
}
const { embeddings, backend } = await llm.embed(['Hello'], { model: 'mlx-community/all-MiniLM-L6-v2-4bit' });
console.log(`embed -> [${backend}] ${embeddings.length} vector(s)`);
