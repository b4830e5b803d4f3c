import { ChunkEncoder, type UsageObject } from './chunks.ts';
import type { DialectDefinition } from './dialects/index.ts';
import type { Exchange } from './exchange.ts';
import type { Interruption, RequestFaults } from './faults.ts';
import { sendReply } from './respond.ts';
import { JSON_HEADERS } from './sim-error.ts';
import { SseWriter } from './sse-writer.ts';
import { toolCallChunks, type PlannedToolCall } from './tool-calls.ts';
import { planTurn, type TurnPlan } from './turn.ts';
import type { ModelProfile } from './types.ts';
import type { ChatRequest } from './validate.ts';

/** Everything a chat completion needs besides the request itself. */
export interface CompletionContext {
  exchange: Exchange;
  dialect: DialectDefinition;
  faults: Readonly<RequestFaults>;
  profile: ModelProfile;
  seed: number;
  completionId: string;
}

/** Flush the event buffer at least this often, so huge unpaced replies still honour backpressure. */
const MAX_BUFFERED = 64 * 1024;
const DEFAULT_ERROR_CODE = 502;
const DEFAULT_ERROR_MESSAGE = 'Upstream provider error (simulated)';

/** prompt_tokens: a quarter of the characters of every message, rounded up. */
export function promptTokens(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages) chars += message.content.length;
  return Math.ceil(chars / 4);
}

function usageOf(ctx: CompletionContext, prompt: number, plan: TurnPlan): UsageObject {
  const completion = plan.completionTokens;
  const usage: UsageObject = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = Math.min(ctx.profile.cachedPromptTokens, prompt);
  if (cached > 0) usage.prompt_tokens_details = { cached_tokens: cached };
  if (plan.reasoningTokens > 0) usage.completion_tokens_details = { reasoning_tokens: plan.reasoningTokens };
  const extra = ctx.dialect.usageFields(usage);
  return extra ? { ...usage, ...extra } : usage;
}

/** The reasoning fields of a message or delta in the dialect's names. */
function reasoningFields(dialect: DialectDefinition, text: string): Record<string, unknown> {
  const { field, details } = dialect.reasoning;
  const fields: Record<string, unknown> = { [field]: text };
  if (details) fields.reasoning_details = [{ type: 'reasoning.text', text, format: 'unknown', index: 0 }];
  return fields;
}

function wireToolCalls(calls: readonly PlannedToolCall[]): unknown[] {
  return calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
}

/** A streamed chunk: content text, or the fields of a delta that carries something else (reasoning, tool calls). */
type StreamItem = string | Record<string, unknown>;

/** Reasoning chunks, then the tool-call chunks or the text chunks (plain strings: the fast path). */
function streamItems(ctx: CompletionContext, plan: TurnPlan): StreamItem[] {
  const text = chunksOf(plan.reply.tokens, ctx.profile.tokensPerChunk);
  if (plan.reasoning.length === 0 && plan.toolCalls.length === 0) return text;
  const reasoning = chunksOf(plan.reasoning, ctx.profile.tokensPerChunk).map((piece) => reasoningFields(ctx.dialect, piece));
  if (plan.toolCalls.length === 0) return [...reasoning, ...text];
  const calls = toolCallChunks(plan.toolCalls, ctx.profile.toolCallStyle ?? ctx.dialect.toolCallStyle).map((deltas) => ({ tool_calls: deltas }));
  return [...reasoning, ...calls];
}

/** Milliseconds between chunks at the profile's pace (0 when unpaced). */
function chunkInterval(profile: ModelProfile): number {
  return Number.isFinite(profile.tokensPerSecond) ? (profile.tokensPerChunk / profile.tokensPerSecond) * 1000 : 0;
}

/** Groups tokens into chunks of `tokensPerChunk`. */
function chunksOf(tokens: readonly string[], perChunk: number): string[] {
  if (perChunk <= 1) return tokens as string[];
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length; i += perChunk) chunks.push(tokens.slice(i, i + perChunk).join(''));
  return chunks;
}

/** Answers `POST /chat/completions`, as JSON or as an event stream. */
export function completeChat(ctx: CompletionContext, request: ChatRequest): Promise<void> {
  const plan = planTurn({
    model: request.model,
    messages: request.messages,
    maxTokens: request.maxTokens,
    seed: ctx.seed,
    profile: ctx.profile,
    responseFormat: request.responseFormat,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    reasoningExcluded: request.reasoningExcluded,
  });
  return request.stream ? streamCompletion(ctx, request, plan) : jsonCompletion(ctx, request, plan);
}

/** The assistant message of a non-streamed answer: text, or `content: null` and `tool_calls`; reasoning first. */
function replyMessage(ctx: CompletionContext, plan: TurnPlan): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: plan.toolCalls.length > 0 ? null : plan.reply.tokens.join('') };
  if (plan.reasoning.length > 0) Object.assign(message, reasoningFields(ctx.dialect, plan.reasoning.join('')));
  if (plan.toolCalls.length > 0) message.tool_calls = wireToolCalls(plan.toolCalls);
  return message;
}

async function jsonCompletion(ctx: CompletionContext, request: ChatRequest, plan: TurnPlan): Promise<void> {
  const { exchange, dialect, faults, profile } = ctx;
  const chunkCount = streamItems(ctx, plan).length;
  const generationMs = profile.ttftMs + Math.max(0, chunkCount - 1) * chunkInterval(profile);
  if (!(await exchange.wait(generationMs))) return;

  const interruption = faults.interruption?.fault;
  let text: string;
  if (interruption?.kind === 'malformed-event') {
    text = '{not json';
  } else {
    const usage = usageOf(ctx, promptTokens(request), plan);
    const base = {
      id: ctx.completionId,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      ...dialect.completionFields(request.body),
    };
    const choice =
      interruption?.kind === 'error-event'
        ? { index: 0, message: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'error' }
        : { index: 0, message: replyMessage(ctx, plan), logprobs: null, finish_reason: faults.noFinish ? null : plan.finishReason };
    const error =
      interruption?.kind === 'error-event'
        ? { error: { code: interruption.code ?? DEFAULT_ERROR_CODE, message: interruption.message ?? DEFAULT_ERROR_MESSAGE } }
        : undefined;
    text = JSON.stringify({ ...base, choices: [choice], usage, ...error });
  }
  const headers = { ...JSON_HEADERS, ...dialect.completionHeaders(ctx.completionId) };
  await sendReply(exchange, { status: 200, headers, body: text }, faults);
}

async function streamCompletion(ctx: CompletionContext, request: ChatRequest, plan: TurnPlan): Promise<void> {
  const { exchange, dialect, faults, profile } = ctx;
  const shape = dialect.stream;
  const res = exchange.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': exchange.entry.id,
    ...dialect.completionHeaders(ctx.completionId),
  });
  res.flushHeaders();

  const sse = new SseWriter(exchange, faults);
  const encoder = new ChunkEncoder(shape, {
    id: ctx.completionId,
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    extra: dialect.completionFields(request.body),
  });
  const chunks = streamItems(ctx, plan);

  if (!(await untilFirstChunk(ctx, sse, promptTokens(request)))) return;
  // Reasoning comes before the reply and does not count as one of its content chunks.

  const interval = chunkInterval(profile);
  const interruption = faults.interruption;
  const interruptAt = interruption ? Math.min(interruption.afterChunks, chunks.length) : -1;
  const stall = faults.stallBetweenChunks;
  const stallAt = stall ? Math.min(stall.afterChunks, chunks.length) : -1;
  const every = shape.processingComment?.every ?? 0;
  let start = performance.now();

  for (let i = 0; i <= chunks.length; i++) {
    if (i === stallAt && stall) {
      if (!(await sse.flush()) || !(await exchange.wait(stall.ms))) return;
      start += stall.ms;
    }
    if (i === interruptAt && interruption) {
      await interrupt(exchange, sse, encoder, interruption.fault);
      return;
    }
    if (i === chunks.length) break;
    // Chunks are due on a fixed schedule from the first one, so timer lateness does not add up.
    const wait = start + i * interval - performance.now();
    if (wait >= 1 && (!(await sse.flush()) || !(await exchange.wait(wait)))) return;
    if (i === 0 && shape.separateRoleChunk) sse.data(encoder.roleChunk());
    const item = chunks[i] ?? '';
    sse.data(typeof item === 'string' ? encoder.content(item) : encoder.delta(item));
    if (every > 0 && (i + 1) % every === 0 && i + 1 < chunks.length && shape.processingComment) {
      sse.comment(shape.processingComment.text);
    }
    if (sse.buffered >= MAX_BUFFERED && !(await sse.flush())) return;
  }

  if (faults.noFinish) {
    await sse.end();
    return;
  }
  sse.data(encoder.finish(plan.finishReason));
  if (shape.usage === 'always' || request.includeUsage) {
    sse.data(encoder.usage(usageOf(ctx, promptTokens(request), plan), plan.finishReason));
  }
  sse.data('[DONE]');
  if (profile.endDelayMs > 0 && !((await sse.flush()) && (await exchange.finishing(profile.endDelayMs)))) return;
  await sse.end();
}

/**
 * Before the first chunk: comments while the prompt is processed (the time to first token), then
 * the first-chunk stall, which is pure silence. False if the exchange ended meanwhile.
 */
async function untilFirstChunk(ctx: CompletionContext, sse: SseWriter, prompt: number): Promise<boolean> {
  const { exchange, dialect, faults, profile } = ctx;
  const shape = dialect.stream;
  if (shape.processingComment) sse.comment(shape.processingComment.text);
  if (shape.keepalive) {
    // mlx_lm.server reports prompt processing progress as it goes: half, then all of the prompt.
    sse.comment(`keepalive ${Math.ceil(prompt / 2)}/${prompt}`);
    if (!(await sse.flush()) || !(await exchange.wait(profile.ttftMs / 2))) return false;
    sse.comment(`keepalive ${prompt}/${prompt}`);
    if (!(await sse.flush()) || !(await exchange.wait(profile.ttftMs / 2))) return false;
  } else if (!(await sse.flush()) || !(await exchange.wait(profile.ttftMs))) {
    return false;
  }
  return exchange.wait(faults.stallBeforeFirstChunkMs);
}

/** Ends a stream early: a closed connection, a malformed event, or an in-stream error event. */
async function interrupt(exchange: Exchange, sse: SseWriter, encoder: ChunkEncoder, fault: Interruption): Promise<void> {
  if (fault.kind === 'close-mid-stream') {
    if (await sse.flush()) exchange.destroy();
    return;
  }
  if (fault.kind === 'malformed-event') sse.data('{not json');
  else sse.data(encoder.error(fault.code ?? DEFAULT_ERROR_CODE, fault.message ?? DEFAULT_ERROR_MESSAGE));
  await sse.end();
}
