/** What `server.ts` runs: the bare proxy, or the gateway on one HTTP layer. */
export type SubjectKind = 'proxy' | 'gateway-node' | 'gateway-hono';

/** The key the auth-on gateway asks for. */
export const benchKey = 'bench-gateway-key-0123456789';
