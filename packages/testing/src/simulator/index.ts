/**
 * The simulator of `@router/testing`: a faithful fake of the LLM services the adapters talk to
 * (OpenAI, OpenRouter, Featherless, mlx-omni-server, mlx_lm.server), over real HTTP on loopback,
 * with deterministic output and fault injection.
 */
export { startSimulator } from './server.ts';
export { simulatedReply } from './text.ts';
export { simulatedEmbedding } from './embeddings.ts';
export { featherlessUnitCost } from './featherless-plan.ts';
export { FAULT_HEADER } from './faults.ts';
export { DEFAULT_PROFILE } from './profile.ts';
export { DIALECTS } from './types.ts';
export type { Dialect, Fault, FaultRule, LoggedRequest, ModelProfile, Simulator, SimulatorOptions } from './types.ts';
