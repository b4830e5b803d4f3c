import type { CallOptions, LLMClient, Message } from '@router/core';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { simulatedEmbedding, simulatedReasoning, simulatedReply, simulatedToolCalls, startSimulator } from '../simulator/index.ts';
import type { Dialect, LoggedRequest, ModelProfile, Simulator, SimulatorOptions } from '../simulator/index.ts';

export interface ConformanceCapabilities {
  /** `embed` works; otherwise it must reject with UnsupportedOperationError before the network. */
  embeddings: boolean;
  /** `responseFormat` reaches the wire. */
  jsonMode: boolean;
  /** `generate` and `stream` report token usage. */
  usage: boolean;
  /** `tools` reach the wire and tool calls come back (default false: a call with tools must be refused before the network). */
  tools?: boolean;
  /** Image parts reach the wire (default false: refused before the network). */
  images?: boolean;
  /** `reasoning` reaches the wire and reasoning text comes back (default false: refused before the network). */
  reasoning?: boolean;
  /** A `json_schema` response format goes out as `json_schema` with its schema (default false: the group is skipped). */
  structuredOutputs?: boolean;
  /**
   * With tools: the server takes `tool_choice` (default true). Ollama's OpenAI endpoint does not, and
   * its adapter refuses one before the network; the named-choice test is then skipped.
   */
  toolChoice?: boolean;
}

export interface BackendConformanceOptions {
  /** Suite title. */
  name: string;
  /** Which simulator dialect the backend talks to. */
  dialect: Dialect;
  /** Builds a fresh client for one test. */
  create(context: { baseURL: string; apiKey: string; simulator: Simulator }): LLMClient;
  capabilities: ConformanceCapabilities;
  /** Chat model id the per-test ids derive from (default 'sim/chat-model'). */
  model?: string;
  /** Embedding model id the per-test ids derive from (default 'sim/embedding-model'). */
  embeddingModel?: string;
  simulator?: Omit<SimulatorOptions, 'port' | 'host'>;
}

/** What every test group gets: the running simulator, fresh clients, and per-test model ids. */
export interface ConformanceContext {
  readonly dialect: Dialect;
  readonly capabilities: ConformanceCapabilities;
  /** The key handed to `create`; no error message may contain it. */
  readonly apiKey: string;
  /** The running simulator (only inside tests and hooks). */
  readonly simulator: Simulator;
  /** A fresh client, as the adapter's `create` builds it. */
  client(): LLMClient;
  /**
   * A chat model id used by one test only, so its faults and its log entries
   * belong to that test. Call it while the suite is collected (in a describe
   * body): the profile is registered when the simulator starts.
   */
  chatModel(label: string, profile?: Partial<ModelProfile>): string;
  /** The same for embedding models. */
  embeddingModel(label: string, profile?: Partial<ModelProfile>): string;
  /** The text the simulator replies for this model and conversation. */
  expectedReply(model: string, messages: readonly Message[], maxTokens?: number): string;
  /** The tool calls the simulator makes for this model, conversation and tool options (`[]`: it answers with text). */
  expectedToolCalls(model: string, messages: readonly Message[], options: Pick<CallOptions, 'tools' | 'toolChoice' | 'parallelToolCalls'>): { id: string; name: string; arguments: string }[];
  /** The reasoning text the simulator sends for this model and conversation ('' when its profile has none). */
  expectedReasoning(model: string, messages: readonly Message[]): string;
  /** The vector the simulator gives for this text. */
  expectedEmbedding(text: string, dimensions: number): number[];
  /** The profile the simulator uses for a model (defaults not filled in). */
  profile(model: string): Partial<ModelProfile>;
  /** Logged requests for a model, oldest first. */
  requestsFor(model: string): LoggedRequest[];
  /** The single request logged for a model, once the simulator has finished with it. */
  finishedRequest(model: string): Promise<LoggedRequest>;
}

const defaultApiKey = 'sk-conformance-0123456789abcdef';

/**
 * Creates the context and registers the hooks that own the simulator and the
 * unhandled-rejection watch. Call it inside the suite's `describe`.
 */
export function createConformanceContext(options: BackendConformanceOptions): ConformanceContext {
  const simulatorOptions = options.simulator ?? {};
  const baseChatModel = options.model ?? 'sim/chat-model';
  const baseEmbeddingModel = options.embeddingModel ?? 'sim/embedding-model';
  const apiKey = simulatorOptions.apiKeys?.[options.dialect] ?? defaultApiKey;
  const registered: Record<string, Partial<ModelProfile>> = {};
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let running: Simulator | undefined;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    running = await startSimulator({ ...simulatorOptions, models: { ...simulatorOptions.models, ...registered } });
  });

  afterAll(async () => {
    try {
      await running?.close();
      running = undefined;
      // Rejections are reported after the microtask queue drains: give them a turn of the event loop to surface.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled, 'no unhandled rejection during the suite').toEqual([]);
  });

  const register = (base: string, label: string, profile: Partial<ModelProfile> = {}): string => {
    const model = `${base}-${label}`;
    if (model in registered) throw new Error(`conformance: the model label "${label}" is used twice.`);
    registered[model] = profile;
    return model;
  };

  const context: ConformanceContext = {
    dialect: options.dialect,
    capabilities: options.capabilities,
    apiKey,
    get simulator(): Simulator {
      if (!running) throw new Error('conformance: the simulator runs only inside tests.');
      return running;
    },
    client: () => {
      const { simulator } = context;
      return options.create({ baseURL: simulator.baseURL(options.dialect), apiKey, simulator });
    },
    chatModel: (label, profile) => register(baseChatModel, label, profile),
    embeddingModel: (label, profile) => register(baseEmbeddingModel, label, profile),
    profile: (model) => ({ ...simulatorOptions.defaultProfile, ...simulatorOptions.models?.[model], ...registered[model] }),
    expectedReply: (model, messages, maxTokens) =>
      simulatedReply({ model, messages, maxTokens, seed: simulatorOptions.seed, profile: context.profile(model) }),
    expectedToolCalls: (model, messages, { tools = [], toolChoice, parallelToolCalls }) =>
      simulatedToolCalls({ model, messages, tools, toolChoice, parallelToolCalls, seed: simulatorOptions.seed }),
    expectedReasoning: (model, messages) => simulatedReasoning({ model, messages, seed: simulatorOptions.seed, profile: context.profile(model) }),
    expectedEmbedding: (text, dimensions) => simulatedEmbedding(text, { dimensions, seed: simulatorOptions.seed }),
    requestsFor: (model) => context.simulator.requests.filter((request) => request.model === model),
    finishedRequest: (model) =>
      vi.waitFor(
        () => {
          const requests = context.requestsFor(model);
          expect(requests, `requests logged for ${model}`).toHaveLength(1);
          const [request] = requests as [LoggedRequest];
          expect(request.endedAt, 'the simulator has finished the request').toBeDefined();
          return request;
        },
        { timeout: 2000, interval: 5 },
      ),
  };
  return context;
}
