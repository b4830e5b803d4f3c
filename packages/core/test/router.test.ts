import { describe, expect, it } from 'vitest';
import { ConfigurationError, createRouter, NoRouteError, seedPolicy, type RouteRule } from '../src/index.ts';
import { inMemoryBackend } from './in-memory-backend.ts';

const msgs = [{ role: 'user' as const, content: 'hi' }];
const NARRATIVE = 'mistralai/Mistral-Small-24B-Instruct-2501';

describe('seed policy', () => {
  const local = inMemoryBackend({ name: 'mlx' });
  const narrative = inMemoryBackend({ name: 'featherless' });
  const classifier = inMemoryBackend({ name: 'openrouter' });
  const withClassifier = createRouter({ ...seedPolicy({ local, narrative, classifier, narrativeModel: NARRATIVE }), timingLog: false });
  const withoutClassifier = createRouter({ ...seedPolicy({ local, narrative, narrativeModel: NARRATIVE }), timingLog: false });
  const customPrefixes = createRouter({
    ...seedPolicy({ local, narrative, classifier, narrativeModel: [NARRATIVE, 'other/narrative'], localPrefixes: ['local/', 'mlx-community/'] }),
    timingLog: false,
  });

  it.each([
    // [router, operation, model, backend name expected]
    ['classifier', 'generate', 'mlx-community/Llama-3.2-1B-Instruct-4bit', 'local'],
    ['classifier', 'generate', NARRATIVE, 'narrative'],
    ['classifier', 'generate', 'meta-llama/llama-3.1-8b-instruct', 'classifier'],
    ['classifier', 'generate', 'meta-llama/llama-3.1-8b-instruct:nitro', 'classifier'],
    ['classifier', 'generate', 'MLX-COMMUNITY/upper-case', 'classifier'],
    ['classifier', 'generate', `${NARRATIVE}-v2`, 'classifier'],
    ['classifier', 'embed', 'mlx-community/all-MiniLM-L6-v2-4bit', 'local'],
    ['classifier', 'embed', 'text-embedding-3-small', 'local'],
    ['classifier', 'embed', NARRATIVE, 'local'],
    ['none', 'generate', 'mlx-community/Qwen2.5-0.5B', 'local'],
    ['none', 'generate', NARRATIVE, 'narrative'],
    ['none', 'generate', 'meta-llama/llama-3.1-8b-instruct', 'narrative'],
    ['none', 'embed', 'anything', 'local'],
    ['custom', 'generate', 'local/my-model', 'local'],
    ['custom', 'generate', 'mlx-community/x', 'local'],
    ['custom', 'generate', 'other/narrative', 'narrative'],
    ['custom', 'generate', 'google/gemma-3-27b-it', 'classifier'],
  ] as const)('%s: %s %s → %s', (which, operation, model, expected) => {
    const router = which === 'classifier' ? withClassifier : which === 'none' ? withoutClassifier : customPrefixes;
    expect(router.explain(model, operation).backend).toBe(expected);
  });

  it('sends each call to the backend explain names, and reports the serving backend', async () => {
    const completion = await withClassifier.generate(msgs, { model: 'meta-llama/llama-3.1-8b-instruct' });
    // `backend` is the router's key, as explain and the configuration name it; `adapter` the adapter's own name.
    expect(completion).toMatchObject({ backend: 'classifier', adapter: 'openrouter' });
    expect(await withClassifier.generate(msgs, { model: NARRATIVE })).toMatchObject({ backend: 'narrative', adapter: 'featherless' });
    expect(await withClassifier.embed('hello', { model: 'text-embedding-3-small' })).toMatchObject({ backend: 'local', adapter: 'mlx' });
    const stream = withClassifier.stream(msgs, { model: 'mlx-community/x' });
    expect(await stream.collect()).toMatchObject({ backend: 'local', adapter: 'mlx' });
  });
});

describe('rules', () => {
  const backends = { a: inMemoryBackend({ name: 'a' }), b: inMemoryBackend({ name: 'b' }), c: inMemoryBackend({ name: 'c' }) };
  const rules: RouteRule[] = [
    { model: 'exact/model', backend: 'b' },
    { prefix: 'pre/', backend: 'a' },
    { pattern: /:nitro$/g, backend: 'c' },
    { when: (model) => model.length > 40, backend: 'b', description: 'long ids' },
  ];
  const router = createRouter({ backends, rules, default: 'a', timingLog: false });

  it.each([
    ['exact/model', 'b', 'model', 0],
    ['pre/x', 'a', 'prefix', 1],
    ['pre/', 'a', 'prefix', 1],
    ['x:nitro', 'c', 'pattern', 2],
    ['x:nitro', 'c', 'pattern', 2], // a global RegExp keeps lastIndex between tests; routing must not
    ['y'.repeat(41), 'b', 'when', 3],
    ['unmatched', 'a', 'default', undefined],
  ])('%s → %s by %s rule', (model, backend, kind, index) => {
    const explained = router.explain(model);
    expect(explained.backend).toBe(backend);
    expect(explained.rule?.kind).toBe(kind);
    expect(explained.rule?.index).toBe(index);
  });

  it('explain describes the rule in words', () => {
    expect(router.explain('pre/x').rule?.description).toBe('prefix "pre/"');
    expect(router.explain('y'.repeat(41)).rule?.description).toBe('long ids');
    expect(router.explain('nope').rule?.description).toBe('the default backend');
  });

  it('without a default, an unmatched model fails with NoRouteError before any backend is called', async () => {
    const strict = createRouter({ backends, rules: [{ prefix: 'pre/', backend: 'a' }], timingLog: false });
    expect(strict.explain('other').backend).toBeUndefined();
    const error = await strict.generate(msgs, { model: 'other' }).catch((e: unknown) => e);
    expect(NoRouteError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"other"');
    await expect(strict.stream(msgs, { model: 'other' }).collect()).rejects.toSatisfy(NoRouteError.isInstance);
    expect(backends.a.calls).toHaveLength(0);
  });

  it('embeddings route by their own table when given one', async () => {
    const split = createRouter({ backends, default: 'a', embeddings: { rules: [{ prefix: 'emb/', backend: 'c' }], default: 'b' }, timingLog: false });
    expect(split.explain('emb/x', 'embed')).toMatchObject({ backend: 'c', table: 'embeddings' });
    expect(split.explain('other', 'embed').backend).toBe('b');
    expect(split.explain('emb/x', 'generate')).toMatchObject({ backend: 'a', table: 'chat' });
  });

  it('a router is a backend of another router', async () => {
    const inner = createRouter({ backends, default: 'c', name: 'inner', timingLog: false });
    const outer = createRouter({ backends: { inner, a: backends.a }, rules: [{ prefix: 'in/', backend: 'inner' }], default: 'a', timingLog: false });
    expect(await outer.generate(msgs, { model: 'in/x' })).toMatchObject({ backend: 'inner', adapter: 'c' });
    expect(await outer.generate(msgs, { model: 'x' })).toMatchObject({ backend: 'a', adapter: 'a' });
  });
});

describe('configuration validation', () => {
  const a = inMemoryBackend({ name: 'a' });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      createRouter({
        backends: { a, broken: {} as never },
        rules: [
          { prefix: '', backend: 'a' },
          { prefix: 'mlx-community/', backend: 'missing' },
          { prefix: 'mlx-community/llama', backend: 'a' },
          { model: 'mlx-community/x', backend: 'a' },
          { model: 'exact', backend: 'a' },
          { model: 'exact', backend: 'a' },
          { prefix: 'p/', model: 'both', backend: 'a' } as unknown as RouteRule,
          { pattern: 'not-a-regexp', backend: 'a' } as unknown as RouteRule,
        ],
        default: 'nope',
        embeddings: { default: 'also-missing' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    const problems = (error as ConfigurationError).problems;
    expect(problems).toEqual([
      'backends.broken is not an LLMClient (it needs generate, stream and embed).',
      'rules[0].prefix must be a non-empty string (an empty prefix matches everything: use `default`).',
      'rules[1] routes to unknown backend "missing" (known: a, broken).',
      'rules[2] (prefix "mlx-community/llama") is shadowed by rules[1] (prefix "mlx-community/") and can never match.',
      'rules[3] (model "mlx-community/x") is shadowed by rules[1] (prefix "mlx-community/") and can never match.',
      'rules[5] (model "exact") is shadowed by rules[4] (model "exact") and can never match.',
      'rules[6] must have exactly one of prefix, model, pattern or when (has prefix, model).',
      'rules[7].pattern must be a RegExp.',
      'default is unknown backend "nope" (known: a, broken).',
      'embeddings.default is unknown backend "also-missing" (known: a, broken).',
    ]);
    expect((error as Error).message).toContain('rules[1] routes to unknown backend "missing"');
  });

  it('rejects a router without backends', () => {
    expect(() => createRouter({ backends: {} })).toThrow(/at least one backend/);
  });

  it('accepts a valid configuration', () => {
    expect(() => createRouter({ backends: { a }, rules: [{ prefix: 'x/', backend: 'a' }, { prefix: 'y/', backend: 'a' }], default: 'a' })).not.toThrow();
  });
});
