import type { DialectDefinition } from './dialects/index.ts';

/** What a request asks for, once its dialect is known. */
export type Route =
  | { kind: 'chat' }
  | { kind: 'embeddings' }
  | { kind: 'models' }
  | { kind: 'model'; id: string }
  | { kind: 'delete-model'; id: string }
  | { kind: 'plan' }
  | { kind: 'health' }
  | { kind: 'tags' }
  | { kind: 'unknown' };

const MODEL_PATH = /^\/models\/(.+)$/;

/** Maps a method and a path below the dialect base to a route the dialect has. */
export function resolveRoute(dialect: DialectDefinition, method: string, path: string): Route {
  const clean = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (method === 'POST') {
    if (clean === '/chat/completions') return { kind: 'chat' };
    if (clean === '/embeddings' && dialect.supportsEmbeddings) return { kind: 'embeddings' };
    return { kind: 'unknown' };
  }
  if (method === 'GET') {
    if (clean === '/models') return { kind: 'models' };
    const model = MODEL_PATH.exec(clean);
    if (model) return { kind: 'model', id: safeDecode(model[1] ?? '') };
    if (clean === '/plan' && dialect.extraRoutes.includes('plan')) return { kind: 'plan' };
    if (clean === '/health' && dialect.extraRoutes.includes('health')) return { kind: 'health' };
    // Ollama's native model list, beside its OpenAI routes.
    if (clean === '/api/tags' && dialect.extraRoutes.includes('tags')) return { kind: 'tags' };
    return { kind: 'unknown' };
  }
  if (method === 'DELETE' && dialect.extraRoutes.includes('delete-model')) {
    const model = MODEL_PATH.exec(clean);
    if (model) return { kind: 'delete-model', id: safeDecode(model[1] ?? '') };
  }
  return { kind: 'unknown' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Routes that run a model: they count as in flight and can hit cold starts and plan limits. */
export function isModelCall(route: Route): boolean {
  return route.kind === 'chat' || route.kind === 'embeddings';
}
