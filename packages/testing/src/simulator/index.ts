/**
 * The simulator of `@router/testing`: a faithful fake of the LLM services the adapters talk to,
 * over real HTTP on loopback (node:http only), with deterministic output and fault injection.
 *
 * - One server speaks every dialect, each under its base path (`sim.baseURL(dialect)`): `openai`,
 *   `openrouter`, `featherless`, `mlx` (mlx-omni-server), `mlx-lm` (mlx_lm.server), `ollama`,
 *   `vllm`, `vllm-legacy` (vLLM before 0.10.1) and `lmstudio`.
 * - Every dialect answers `POST /chat/completions` (JSON or SSE), `POST /embeddings` (not mlx-lm)
 *   and `GET /models[/:id]`; featherless adds `GET /plan`, mlx-lm `GET /health`, mlx `DELETE /models/:id`, ollama its native
 *   `GET /api/tags`.
 * - Replies are deterministic: compare with {@link simulatedReply}, {@link simulatedToolCalls},
 *   {@link simulatedReasoning} and {@link simulatedEmbedding}.
 * - When a request offers tools, the model calls them (see {@link simulatedToolCalls}); after the
 *   tool results it answers with text. A profile's `reasoningTokens` makes it reason first.
 * - Faults come from rules (`options.faults`, `sim.addFault`) or, for one request, from the
 *   `x-sim-fault` header holding the JSON of a {@link Fault} or an array of them.
 * - `sim.requests` logs every request (secrets as fingerprints). For benchmarks, pass
 *   `logBodies: false` and a small `maxLogEntries` to keep memory flat.
 *
 * @example
 * const sim = await startSimulator({ models: { slow: { ttftMs: 50, tokensPerSecond: 200 } } });
 * try {
 *   const client = new OpenAI({ apiKey: 'test', baseURL: sim.baseURL('openrouter'), maxRetries: 0 });
 *   await client.chat.completions.create(
 *     { model: 'slow', messages: [{ role: 'user', content: 'Hi' }] },
 *     { headers: { 'x-sim-fault': JSON.stringify({ kind: 'status', status: 429, retryAfter: '1' }) } },
 *   ); // throws a 429
 * } finally {
 *   await sim.close();
 * }
 *
 * @module
 */
export { startSimulator } from './server.ts';
export { simulatedReply, type ConversationMessage } from './text.ts';
export { simulatedReasoning, simulatedToolCalls } from './turn.ts';
export { simulatedEmbedding } from './embeddings.ts';
export { featherlessUnitCost } from './featherless-plan.ts';
export { FAULT_HEADER } from './faults.ts';
export { DEFAULT_PROFILE } from './profile.ts';
export { DIALECTS } from './types.ts';
export type { Dialect, Fault, FaultRule, LoggedRequest, ModelProfile, Simulator, SimulatorOptions, ToolCallStyle } from './types.ts';
