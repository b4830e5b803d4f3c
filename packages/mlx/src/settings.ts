import type { BackendCapabilities } from '@router/core';
import type { FetchFunction, ModelCapabilities } from '@router/openai-compatible';

/** The local MLX server this backend talks to. */
export type MlxServer = 'mlx-omni-server' | 'mlx_lm.server';

/** Hugging Face ids of MLX models (open: any id or local path works). */
export type MlxModelId =
  | 'mlx-community/Llama-3.2-1B-Instruct-4bit'
  | 'mlx-community/Llama-3.2-3B-Instruct-4bit'
  | 'mlx-community/Qwen2.5-7B-Instruct-4bit'
  | 'mlx-community/all-MiniLM-L6-v2-4bit'
  | (string & {});

/** Sampler extras the MLX servers read beyond the OpenAI fields. */
export interface MlxExtraBody {
  top_k?: number;
  min_p?: number;
  repetition_penalty?: number;
  repetition_context_size?: number;
  [field: string]: unknown;
}

export interface MlxSettings {
  /** Backend name. Default `mlx`. */
  name?: string;
  /**
   * Base URL including `/v1`. Default: `MLX_BASE_URL`, read at the first call, else
   * `http://localhost:10240/v1` (mlx-omni-server) or `http://localhost:8080/v1` (mlx_lm.server).
   */
  baseURL?: string;
  /** Which server: decides the default port, where sampler extras go, and whether embeddings exist. Default `mlx-omni-server`. */
  server?: MlxServer;
  /** Only for a proxy in front of the server: the MLX servers need no key, and none is sent by default. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Custom fetch, e.g. undici's with longer headers/body timeouts for cold starts beyond 300 s. */
  fetch?: FetchFunction;
  /** Merged into every chat request (sampler extras); a call's `extraBody` wins. */
  defaultExtraBody?: MlxExtraBody;
  /**
   * What the server can do, over its defaults (see `defaultCapabilities`): e.g. `{ images: true }` for
   * an mlx-omni-server build that serves vision models.
   */
  capabilities?: Partial<BackendCapabilities>;
  /** Narrows `capabilities` per model (a model without tool calling): such a call fails before the network. */
  modelCapabilities?: (model: string) => ModelCapabilities | undefined;
  /**
   * Time-to-first-chunk budget for streams when the call sets none. Default 600 000 ms (10 minutes):
   * the first call to a model loads, and may download, it.
   */
  firstChunkTimeoutMs?: number;
}

/** Generous on purpose: a cold start (loading or downloading a model) takes minutes, not seconds. */
export const defaultFirstChunkTimeoutMs = 600_000;
/** Budget of a generate or embed call that sets none (and what a stream gets past its first chunk): a cold start's load and the answer. */
export const coldStartBudgetMs = 900_000;

/**
 * What each server can do. Both parse tool calls for models whose chat template has them; neither
 * takes images (mlx-omni-server lists vision as in progress) or a reasoning setting (reasoning text
 * from thinking models is still read: mlx_lm.server sends it as `reasoning`). Only mlx-omni-server has
 * embeddings, and only it constrains output to a `json_schema`; mlx_lm.server ignores `response_format`.
 */
export const defaultCapabilities: Readonly<Record<MlxServer, BackendCapabilities>> = {
  'mlx-omni-server': { embeddings: true, jsonMode: true, usage: true, tools: true, images: false, reasoning: false, structuredOutputs: true },
  'mlx_lm.server': { embeddings: false, jsonMode: false, usage: true, tools: true, images: false, reasoning: false, structuredOutputs: false },
};

export const defaultBaseURLs: Readonly<Record<MlxServer, string>> = {
  'mlx-omni-server': 'http://localhost:10240/v1',
  'mlx_lm.server': 'http://localhost:8080/v1',
};
