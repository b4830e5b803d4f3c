import type { BackendCapabilities, CallOptions } from '@router/core';
import type { FetchFunction } from '@router/openai-compatible';

/** Hugging Face ids served by Featherless (open: any id works). */
export type FeatherlessModelId =
  | 'Qwen/Qwen2.5-7B-Instruct'
  | 'meta-llama/Meta-Llama-3.1-8B-Instruct'
  | 'mistralai/Mistral-Small-24B-Instruct-2501'
  | 'Qwen/Qwen2.5-32B-Instruct'
  | 'meta-llama/Llama-3.3-70B-Instruct'
  | 'Qwen/Qwen2.5-72B-Instruct'
  | (string & {});

/** Featherless's request fields beyond OpenAI's (vLLM sampling parameters). */
export interface FeatherlessExtraBody {
  repetition_penalty?: number;
  top_k?: number;
  min_p?: number;
  seed?: number;
  stop_token_ids?: number[];
  include_stop_str_in_output?: boolean;
  min_tokens?: number;
  [field: string]: unknown;
}

/** Call options with Featherless's extra fields typed. */
export interface FeatherlessCallOptions extends CallOptions {
  model: FeatherlessModelId;
  extraBody?: FeatherlessExtraBody;
}

export interface FeatherlessSettings {
  /** Backend name. Default `featherless`. */
  name?: string;
  /** Default: `FEATHERLESS_API_KEY`, read at the first call; missing, the call fails before any request. */
  apiKey?: string;
  /** Default `https://api.featherless.ai/v1`. */
  baseURL?: string;
  headers?: Record<string, string>;
  fetch?: FetchFunction;
  /** Merged into every chat request; a call's `extraBody` wins. */
  defaultExtraBody?: FeatherlessExtraBody;
  /** Sent as `X-Title` (attribution). */
  appName?: string;
  /** Sent as `HTTP-Referer` (attribution). */
  appUrl?: string;
  /** Concurrency units of your plan. Default 4. */
  planUnits?: number;
  /**
   * Milliseconds a router's limiter keeps the units of a call that ended early (aborted, abandoned,
   * timed out or failed): Featherless counts a request until it has noticed the connection close,
   * a moment the client cannot see. From 0 to 60,000; default 250 (`defaultAbortGraceMs`).
   */
  abortGraceMs?: number;
  /**
   * Units one request to a model costs, overriding the size rule (up to 15B: 1, up to 34B: 2, larger: 4;
   * no size in the id: 1). A map by exact id, or a function returning undefined to keep the rule.
   */
  unitCost?: Readonly<Record<string, number>> | ((model: string) => number | undefined);
  /**
   * The models that call tools (Featherless parses tool calls for some model families, Qwen 3 among
   * them, not for every model): a list of exact ids, or a predicate. Given, the backend declares
   * `tools: true` and refuses a call with tools to any other model before the network
   * (`UnsupportedOperationError`, `capability: 'tools'`). Default: none, so `tools: false`.
   */
  toolModels?: readonly string[] | ((model: string) => boolean);
  /** What the backend declares, over its defaults (see `defaultCapabilities`) and what `toolModels` implies. */
  capabilities?: Partial<BackendCapabilities>;
}

export const defaultBaseURL = 'https://api.featherless.ai/v1';
/**
 * What Featherless is declared to do unless settings say more. Tools depend on the model (`toolModels`);
 * images, reasoning settings and schema-enforced output are not documented for its API, so they are off
 * until declared (reasoning text from thinking models is read either way).
 */
export const defaultCapabilities: Readonly<BackendCapabilities> = {
  embeddings: true,
  jsonMode: true,
  usage: true,
  tools: false,
  images: false,
  reasoning: false,
  structuredOutputs: false,
};
export const defaultPlanUnits = 4;
/**
 * A client's close travels the same way as its next request, and the server
 * frees the units only once it has noticed the close and stopped the work,
 * which an inference server checks between steps of its generation loop: a
 * step of a large model at 10 to 20 tokens a second takes 50 to 100 ms. An
 * estimate with room for a few such steps and a proxy, not a figure
 * Featherless publishes; raise it if aborts are still followed by 429s.
 */
export const defaultAbortGraceMs = 250;
