import type { HttpReply, SimError } from '../sim-error.ts';
import type { Dialect, ToolCallStyle } from '../types.ts';

/** How a dialect shapes its streamed chunks. */
export interface StreamShape {
  /** Send `{"role":"assistant","content":""}` as its own chunk before the first content chunk (OpenAI, vLLM). */
  separateRoleChunk: boolean;
  /** Every delta carries `role: "assistant"` (OpenRouter, MLX). */
  roleInEveryDelta: boolean;
  /** Intermediate chunks have no `finish_reason` key at all instead of `null` (mlx-omni-server). */
  omitNullFinishReason: boolean;
  /** `requested`: usage chunk only with `stream_options.include_usage`; `always`: OpenRouter. */
  usage: 'requested' | 'always';
  /** `empty`: the usage chunk has `choices: []`; `repeat-finish`: mlx-omni-server repeats the finish choice. */
  usageChoices: 'empty' | 'repeat-finish';
  /** A comment line sent right after the headers and every `commentEvery` content chunks (OpenRouter). */
  processingComment?: { text: string; every: number };
  /** `: keepalive N/M` comments before the first chunk, as while the prompt is processed (mlx_lm.server). */
  keepalive: boolean;
  /** The payload of an error event inside a 200 stream, when it is not OpenRouter's (the default). */
  errorEvent?: (code: number | string, message: string) => unknown;
}

/** Routes beyond chat, embeddings and the model list. */
export type ExtraRoute = 'plan' | 'health' | 'delete-model' | 'tags';

/** Everything that makes one service's dialect different from plain OpenAI. */
export interface DialectDefinition {
  readonly name: Dialect;
  /** Base paths on the simulator; the first is the one `baseURL()` returns. */
  readonly basePaths: readonly string[];
  /** Without a configured key: does the dialect still want some bearer token? */
  readonly bearerRequired: boolean;
  readonly supportsEmbeddings: boolean;
  readonly extraRoutes: readonly ExtraRoute[];
  /** `max_tokens` when the request sends none (MLX servers have defaults; hosted APIs none). */
  readonly defaultMaxTokens: number | undefined;
  /** Featherless: requests hold plan units while in flight; over the plan they get 429. */
  readonly enforcesPlanUnits: boolean;
  /** mlx-omni-server: the first call for each model waits for it to load (`mlx.coldStartMs`). */
  readonly loadsModelsOnFirstUse: boolean;
  /** OpenRouter: a `models` fallback list may replace `model`. */
  readonly acceptsModelsList: boolean;
  /** Status of request validation errors (400, or 422 for FastAPI servers). */
  readonly validationStatus: number;
  /** Models listed by `GET /models` besides the configured ones. */
  readonly sampleModels: readonly string[];
  readonly stream: StreamShape;
  /**
   * Where reasoning text goes, in messages and deltas: `reasoning_content` (DeepSeek, vLLM) or
   * `reasoning` (mlx_lm.server, OpenRouter); OpenRouter adds `reasoning_details`.
   */
  readonly reasoning: { field: 'reasoning_content' | 'reasoning'; details: boolean };
  /** How streamed tool calls are cut when the model's profile does not say. */
  readonly toolCallStyle: ToolCallStyle;
  /** Id of the N-th completion (`chatcmpl-…`, `gen-…`). */
  completionId(sequence: number): string;
  /** Extra response headers of a completion (OpenRouter's `X-Generation-Id`). */
  completionHeaders(id: string): Record<string, string>;
  /** The model the response names (OpenRouter serves the first of `models` when given). */
  servedModel(body: Record<string, unknown>): string;
  /** Top-level fields added to completions and chunks (OpenRouter's `provider`). */
  completionFields(body: Record<string, unknown>): Record<string, unknown> | undefined;
  /** Fields added to the usage object (OpenRouter's `cost`). */
  usageFields(usage: { prompt_tokens: number; completion_tokens: number }): Record<string, unknown> | undefined;
  /** An entry of `GET /models`. */
  modelEntry(id: string): Record<string, unknown>;
  /** An error in this dialect's shape. */
  errorReply(error: SimError): HttpReply;
  /** A server's own refusal of a well-formed request (vLLM's `tool_choice`, Ollama's array input). */
  refuse?(kind: 'chat' | 'embeddings', body: Record<string, unknown>): SimError | undefined;
}

/** A fixed `created` time for listed models, so model lists are deterministic. */
export const MODEL_CREATED = 1_735_689_600;
