import type { Completion, LLMClient, Message, ToolCall, ToolDefinition } from '@router/core';
import { classify } from '@router/core/classify';
import type { CallLog, CallRecord } from './calls.ts';
import type { Memory, Recollection } from './memory.ts';
import { relationshipUpdate, relationshipUpdateJsonSchema, type RelationshipUpdate } from './schema.ts';

export interface TurnSettings {
  characters: readonly string[];
  models: { narrative: string; classifier: string; embedding: string };
  sequential: boolean;
}

export interface PairUpdate {
  from: string;
  to: string;
  update?: RelationshipUpdate;
  error?: string;
  /** The deployment of the classifier alias that answered (the last answer, when classify asked again). */
  servedBy?: { backend: string; model: string };
}

export interface TurnResult {
  reply: string;
  stateUpdates: PairUpdate[];
  calls: CallRecord[];
  turnMs: number;
  /**
   * The shortest any schedule of this turn's calls could take: recall, then the
   * slower of the narrative stream and the slowest pair, then storing. In a
   * `--sequential` turn each call ran alone, so this is the ideal the parallel
   * turn is measured against.
   */
  criticalPathMs: number;
  /** Set when the narrative stream failed; `reply` then holds the text that arrived. */
  error?: unknown;
  /** Failures the turn survived (recall or storing embeddings), one line each. */
  warnings: string[];
}

export interface TurnDependencies {
  llm: LLMClient;
  memory: Memory;
  callLog: CallLog;
  settings: TurnSettings;
  /** Receives the narrative reply as it streams. */
  onText(chunk: string): void;
  /** Told how many classifier pairs are done. */
  onProgress?(done: number, total: number): void;
}

/** Every ordered pair: A->B and B->A are different relationships. */
/** The narrator's one tool. */
const recallTool: ToolDefinition = {
  name: 'recall',
  description: 'Search what the story remembers (earlier turns) for a query; returns the closest memories.',
  parameters: { type: 'object', properties: { query: { type: 'string', description: 'What to look for' } }, required: ['query'] },
};

/** Tool rounds a narration may take before it must answer in text. */
const maxToolRounds = 2;

export function directedPairs(characters: readonly string[]): [string, string][] {
  return characters.flatMap((from) => characters.filter((to) => to !== from).map((to): [string, string] => [from, to]));
}

/**
 * One turn of the seed application: recall, then the narrative stream and every
 * pair's classification at the same time (the seed's 18 s -> 2.5 s fix), then
 * store the turn. Embeddings are written after the reply is shown, and a
 * missing one is backfilled, so a slow embedding never holds the reply up.
 */
export async function playTurn(deps: TurnDependencies, message: string): Promise<TurnResult> {
  const { llm, memory, settings } = deps;
  const started = performance.now();
  const turn = memory.nextTurn();

  const warnings: string[] = [];
  const recallStarted = performance.now();
  const queryVector = await embedOne(llm, message, settings.models.embedding, warnings);
  const recalled = queryVector ? memory.recall(queryVector, 3, turn) : [];
  const recallMs = performance.now() - recallStarted;

  const pairs = directedPairs(settings.characters);
  let pairsDone = 0;
  const classifyPair = async ([from, to]: [string, string]): Promise<PairUpdate & { ms: number }> => {
    const pairStarted = performance.now();
    let answer: Completion | undefined;
    // classify returns the value only; this view of the client keeps the completion, to say who served.
    const watched: LLMClient = {
      name: llm.name,
      generate: async (messages, options) => (answer = await llm.generate(messages, options)),
      stream: (messages, options) => llm.stream(messages, options),
      embed: (input, options) => llm.embed(input, options),
    };
    const servedBy = () => (answer ? { servedBy: { backend: answer.backend, model: answer.model } } : {});
    try {
      const update = await classify(watched, classifierPrompt(from, to, message, recalled), {
        model: settings.models.classifier,
        schema: relationshipUpdate,
        responseFormat: { type: 'json_schema', name: 'relationship_update', schema: relationshipUpdateJsonSchema, strict: true },
      });
      return { from, to, update, ...servedBy(), ms: performance.now() - pairStarted };
    } catch (error) {
      return { from, to, error: describe(error), ...servedBy(), ms: performance.now() - pairStarted };
    } finally {
      deps.onProgress?.(++pairsDone, pairs.length);
    }
  };

  /**
   * The narration, with its tool round: the narrator may call `recall` to look
   * up what the story remembers; the app answers from the memory (by
   * embedding) and the narrator writes on. At most `maxToolRounds` rounds.
   */
  const narrate = async (): Promise<{ reply: string; ms: number; error?: unknown }> => {
    const narrativeStarted = performance.now();
    const conversation = narrativePrompt(settings.characters, message, recalled);
    let reply = '';
    let toolRoundsLeft = maxToolRounds;
    for (;;) {
      const offerTools = toolRoundsLeft > 0;
      const stream = llm.stream(conversation, { model: settings.models.narrative, maxTokens: 400, ...(offerTools && { tools: [recallTool] }) });
      try {
        for await (const chunk of stream) deps.onText(chunk);
        reply += stream.text;
        const { toolCalls } = await stream.completion;
        if (!toolCalls?.length || !offerTools) return { reply, ms: performance.now() - narrativeStarted };
        toolRoundsLeft--;
        conversation.push({ role: 'assistant', content: stream.text, toolCalls });
        for (const call of toolCalls) conversation.push({ role: 'tool', toolCallId: call.id, content: await answerTool(call) });
      } catch (error) {
        reply += stream.text;
        // The tool round is a nicety, as recall is: if it failed before any text was shown, narrate without it.
        if (!offerTools || reply !== '') return { reply, ms: performance.now() - narrativeStarted, error };
        warnings.push(`the recall tool round failed, narrating without it: ${describe(error)}`);
        toolRoundsLeft = 0;
      }
    }
  };

  /** `recall(query)`: the memories closest to the query, by embedding. */
  const answerTool = async (call: ToolCall): Promise<string> => {
    const query = (call.input as { query?: unknown } | undefined)?.query;
    if (call.name !== recallTool.name || typeof query !== 'string' || query === '') return `No such tool call: ${call.name}(${call.arguments})`;
    const vector = await embedOne(llm, query, settings.models.embedding, warnings);
    return memoryLines(vector ? memory.recall(vector, 3, turn) : []);
  };

  let narrative: Awaited<ReturnType<typeof narrate>>;
  let updates: (PairUpdate & { ms: number })[];
  if (settings.sequential) {
    narrative = await narrate();
    updates = [];
    for (const pair of pairs) updates.push(await classifyPair(pair));
  } else {
    [narrative, updates] = await Promise.all([narrate(), Promise.all(pairs.map(classifyPair))]);
  }

  const storeStarted = performance.now();
  memory.addUtterance(turn, 'user', message, queryVector);
  if (narrative.reply) memory.addUtterance(turn, 'narrator', narrative.reply);
  await backfillEmbeddings(llm, memory, settings.models.embedding, warnings);
  const storeMs = performance.now() - storeStarted;

  const slowestPair = Math.max(0, ...updates.map((update) => update.ms));
  const result: TurnResult = {
    reply: narrative.reply,
    stateUpdates: updates.map(({ ms: _, ...update }) => update),
    calls: deps.callLog.take(),
    turnMs: performance.now() - started,
    warnings,
    criticalPathMs: recallMs + Math.max(narrative.ms, slowestPair) + storeMs,
  };
  if (narrative.error !== undefined) result.error = narrative.error;
  return result;
}

async function embedOne(llm: LLMClient, text: string, model: string, warnings: string[]): Promise<number[] | undefined> {
  try {
    return (await llm.embed(text, { model, timeoutMs: 5_000 })).embeddings[0];
  } catch (error) {
    // Recall is a nicety: the turn goes on without it, and the vector is backfilled later.
    warnings.push(`recall skipped: ${describe(error)}`);
    return undefined;
  }
}

/** Writes the vectors that are missing (this turn's reply, and any earlier failure) in one batch. */
async function backfillEmbeddings(llm: LLMClient, memory: Memory, model: string, warnings: string[]): Promise<void> {
  const missing = memory.missingEmbeddings();
  if (missing.length === 0) return;
  try {
    const { embeddings } = await llm.embed(
      missing.map((row) => row.text),
      { model, timeoutMs: 10_000 },
    );
    missing.forEach((row, i) => memory.setEmbedding(row.id, embeddings[i]!));
  } catch (error) {
    warnings.push(`${missing.length} embedding(s) not stored yet, retried next turn: ${describe(error)}`);
  }
}

function memoryLines(recalled: readonly Recollection[]): string {
  return recalled.length === 0 ? '(nothing yet)' : recalled.map((r) => `- ${r.speaker}: ${r.text.slice(0, 300)}`).join('\n');
}

function narrativePrompt(characters: readonly string[], message: string, recalled: readonly Recollection[]): Message[] {
  return [
    {
      role: 'system',
      content: `You are the narrator of an interactive story with ${characters.join(', ')}. Reply in two short paragraphs. Call recall(query) to look up anything else the story remembers.\nWhat the story remembers:\n${memoryLines(recalled)}`,
    },
    { role: 'user', content: message },
  ];
}

function classifierPrompt(from: string, to: string, message: string, recalled: readonly Recollection[]): Message[] {
  return [
    {
      role: 'system',
      content:
        'You track how characters feel about each other. Answer with one JSON object only: ' +
        '{"affinity": integer from -2 (much worse) to 2 (much better), "reason": short string}.',
    },
    { role: 'user', content: `Context:\n${memoryLines(recalled)}\n\nThe player says: ${message}\n\nHow does ${from}'s feeling towards ${to} change?` },
  ];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
