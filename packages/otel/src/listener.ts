import { context, metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import {
  ConfigurationError,
  StreamInterruptedError,
  type CallEndEvent,
  type CallErrorEvent,
  type CallStartEvent,
  type RouterError,
  type RouterEvent,
  type RouterListener,
} from '@router/core';
import { addError, addRequestSettings, addUsage, describeError, finishReasonName, names, operationName, tokenTypes } from './attributes.ts';
import { inputMessages, outputMessages } from './content.ts';
import { breakerLevel, createInstruments } from './metrics.ts';

export interface OtelListenerOptions {
  /** Where spans go. Default: the global tracer provider's tracer `@router/otel`. */
  tracer?: Tracer;
  /** Where metrics go. Default: the global meter provider's meter `@router/otel`. */
  meter?: Meter;
  /** Record message text (`gen_ai.input.messages`, `gen_ai.output.messages`). Default `false`. */
  captureContent?: boolean;
  /** `gen_ai.provider.name` per router backend name (e.g. `{ narrative: 'openrouter' }`). Default: the backend name. */
  providers?: Readonly<Record<string, string>>;
  /** Calls tracked at once; past it the oldest open call's span is ended as abandoned. Default 10 000. */
  maxOpenCalls?: number;
}

const scopeName = '@router/otel';
const defaultMaxOpenCalls = 10_000;

/**
 * Epoch milliseconds with sub-millisecond precision. Every time this
 * listener gives a span comes from here, so a span's start and end come from
 * one clock.
 */
const now = (): number => performance.timeOrigin + performance.now();

/** An attempt whose span stays open after it ended, until the next event says why (retry, fallback, the call's end). */
interface Attempt {
  span: Span;
  endedAt?: number;
}

interface OpenCall {
  span: Span;
  /** The context the call started in; with the call span set, the attempts' parent. */
  parent: Context;
  /** Made at the first attempt: a call without a reliability policy has none. */
  attemptParent: Context | undefined;
  /** Attributes of the conventions' metric points of the call. */
  metricAttributes: Attributes;
  /** Attributes of the router's own metric points of the call. */
  backendAttributes: Attributes;
  attempt: Attempt | undefined;
  attempts: number;
  /** Seconds waited for a slot, reported just before the attempt it delayed starts. */
  waited: number | undefined;
}

/** Reports every problem at once, as the router's own configuration does. */
function validate(options: OtelListenerOptions): void {
  const problems: string[] = [];
  const { maxOpenCalls, providers } = options;
  if (maxOpenCalls !== undefined && !(Number.isInteger(maxOpenCalls) && maxOpenCalls > 0)) {
    problems.push(`maxOpenCalls must be a positive integer (got ${String(maxOpenCalls)}).`);
  }
  for (const [backend, provider] of Object.entries(providers ?? {})) {
    if (typeof provider !== 'string' || provider === '') problems.push(`providers.${backend} must be a non-empty string (got ${String(provider)}).`);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
}

/**
 * A router listener that records each call as an OpenTelemetry CLIENT span
 * following the GenAI semantic conventions, each attempt as a child span,
 * limiter waits, retries, fallbacks and breaker changes as span events, and
 * the conventions' metrics plus the router's own. A call's span is a child
 * of the span active when the call starts (for a stream, when its loop
 * starts reading).
 */
export function createOtelListener(options: OtelListenerOptions = {}): RouterListener {
  validate(options);
  const tracer = options.tracer ?? trace.getTracer(scopeName);
  const instruments = createInstruments(options.meter ?? metrics.getMeter(scopeName));
  const captureContent = options.captureContent ?? false;
  const providers = options.providers ?? {};
  const maxOpenCalls = options.maxOpenCalls ?? defaultMaxOpenCalls;
  const open = new Map<number, OpenCall>();
  // Own keys only: a backend named like an Object.prototype member must not pick that member up.
  const providerOf = (backend: string): string => (Object.hasOwn(providers, backend) ? providers[backend]! : backend);

  /** Ends the attempt that ended last, now that the next event says why it ended. */
  function settle(call: OpenCall, outcome: string, attributes?: Attributes): void {
    const { attempt } = call;
    if (!attempt) return;
    call.attempt = undefined;
    attempt.span.setAttribute(names.outcome, outcome);
    if (attributes) attempt.span.setAttributes(attributes);
    attempt.span.end(attempt.endedAt ?? now());
  }

  /** Keeps the open calls bounded: a stream its consumer neither finished nor closed would hold its span for ever. */
  function abandonOldest(): void {
    const oldest = open.entries().next().value;
    if (!oldest) return;
    const [callId, call] = oldest;
    open.delete(callId);
    settle(call, 'abandoned');
    call.span.setAttribute(names.errorType, 'abandoned');
    call.span.setStatus({ code: SpanStatusCode.ERROR, message: `abandoned: more than ${maxOpenCalls} calls were open` });
    call.span.end(now());
  }

  function start(event: CallStartEvent): void {
    if (open.size >= maxOpenCalls) abandonOldest();
    const operation = operationName[event.operation];
    // The conventions' metric attributes only: every attribute costs each measurement a share of hashing.
    const metricAttributes: Attributes = {
      [names.operation]: operation,
      [names.provider]: providerOf(event.backend),
      [names.requestModel]: event.model,
    };
    const request = event.request();
    // Sampling may read the attributes, so the request's go in at the start.
    const attributes: Attributes = { ...metricAttributes, [names.backend]: event.backend };
    if (event.operation !== 'embed') attributes[names.requestStream] = event.operation === 'stream';
    addRequestSettings(attributes, request.options);
    const parent = context.active();
    const span = tracer.startSpan(`${operation} ${event.model}`, { kind: SpanKind.CLIENT, attributes, startTime: now() }, parent);
    if (captureContent && request.messages && span.isRecording()) span.setAttribute(names.inputMessages, inputMessages(request.messages));
    open.set(event.callId, {
      span,
      parent,
      attemptParent: undefined,
      metricAttributes,
      backendAttributes: { [names.backend]: event.backend },
      attempt: undefined,
      attempts: 0,
      waited: undefined,
    });
  }

  function end(event: CallEndEvent): void {
    const call = open.get(event.callId);
    if (!call) return;
    open.delete(event.callId);
    settle(call, 'ok');
    const result = event.result();
    const metricAttributes: Attributes = { ...call.metricAttributes, [names.responseModel]: result.model };
    instruments.duration.record(event.durationMs / 1000, metricAttributes);
    instruments.attempts.record(event.attempts, call.backendAttributes);
    if (event.ttftMs !== undefined) instruments.timeToFirstChunk.record(event.ttftMs / 1000, metricAttributes);
    const { usage } = event;
    if (usage) {
      for (const key in tokenTypes) {
        const count = usage[key as keyof typeof usage];
        if (typeof count === 'number') instruments.tokens.record(count, { ...metricAttributes, [names.tokenType]: tokenTypes[key as keyof typeof usage] });
      }
    }
    const { span } = call;
    if (span.isRecording()) {
      const attributes: Attributes = { [names.responseModel]: result.model, [names.servedBy]: event.servedBy, [names.adapter]: event.adapter, [names.attempts]: event.attempts };
      if (event.finishReason) attributes[names.finishReasons] = [finishReasonName(event.finishReason)];
      if (event.ttftMs !== undefined) attributes[names.timeToFirstChunk] = event.ttftMs / 1000;
      if (usage) addUsage(attributes, usage);
      if (captureContent && 'text' in result) attributes[names.outputMessages] = outputMessages(result.text, finishReasonName(result.finishReason));
      span.setAttributes(attributes);
    }
    span.end(now());
  }

  function fail(event: CallErrorEvent): void {
    const call = open.get(event.callId);
    if (!call) return;
    open.delete(event.callId);
    settle(call, 'error');
    const { error } = event;
    const metricAttributes: Attributes = { ...call.metricAttributes, [names.errorType]: error.code };
    instruments.duration.record(event.durationMs / 1000, metricAttributes);
    // A failed call's event has no attempt count: it is known only from attempt events, which a route without a
    // reliability policy does not send (nor a call its breaker refused), so without them the count is left out.
    if (call.attempts > 0) instruments.attempts.record(call.attempts, call.backendAttributes);
    if (event.ttftMs !== undefined) instruments.timeToFirstChunk.record(event.ttftMs / 1000, metricAttributes);
    const { span } = call;
    if (span.isRecording()) {
      const attributes: Attributes = {};
      if (call.attempts > 0) attributes[names.attempts] = call.attempts;
      addError(attributes, error);
      if (event.ttftMs !== undefined) attributes[names.timeToFirstChunk] = event.ttftMs / 1000;
      if (captureContent && StreamInterruptedError.isInstance(error)) attributes[names.outputMessages] = outputMessages(error.partialText, 'error');
      span.setAttributes(attributes);
      span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
    }
    span.end(now());
  }

  const errorAttributes = (error: RouterError): Attributes => {
    const attributes: Attributes = {};
    addError(attributes, error);
    return attributes;
  };

  /** Attempts, waits, retries, fallbacks and breaker changes: metrics always, span parts when the call is open here. */
  function reliability(event: Exclude<RouterEvent, CallStartEvent | CallEndEvent | CallErrorEvent | { type: 'first-chunk' }>): void {
    const call = open.get(event.callId);
    switch (event.type) {
      case 'queue-wait': {
        const waited = event.waitMs / 1000;
        instruments.limiterWait.record(waited, { [names.backend]: event.backend });
        if (!call) return;
        call.waited = waited;
        call.span.addEvent('router.limiter.wait', { [names.backend]: event.backend, [names.limiterWait]: waited }, now());
        return;
      }
      case 'attempt-start': {
        if (!call) return;
        call.attempts = event.attempt;
        const attributes: Attributes = {
          [names.attempt]: event.attempt,
          [names.backend]: event.backend,
          [names.provider]: providerOf(event.backend),
          [names.requestModel]: event.model,
        };
        if (call.waited !== undefined) attributes[names.limiterWait] = call.waited;
        call.waited = undefined;
        call.attemptParent ??= trace.setSpan(call.parent, call.span);
        const span = tracer.startSpan(`attempt ${event.backend}`, { kind: SpanKind.INTERNAL, attributes, startTime: now() }, call.attemptParent);
        call.attempt = { span };
        return;
      }
      case 'attempt-end': {
        const attempt = call?.attempt;
        if (!attempt) return;
        attempt.endedAt = now();
        if (event.error) {
          attempt.span.setAttributes(errorAttributes(event.error));
          attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(event.error) });
        }
        return;
      }
      case 'retry': {
        instruments.retries.add(1, { [names.backend]: event.backend, [names.errorType]: event.error.code });
        if (!call) return;
        const delay = event.delayMs / 1000;
        settle(call, 'retry', { [names.retryDelay]: delay });
        call.span.addEvent('router.retry', { [names.backend]: event.backend, [names.attempt]: event.attempt, [names.retryDelay]: delay, ...errorAttributes(event.error) }, now());
        return;
      }
      case 'fallback': {
        const attributes: Attributes = { [names.backend]: event.backend, [names.fallbackTo]: event.to, [names.errorType]: event.error.code };
        instruments.fallbacks.add(1, attributes);
        if (!call) return;
        settle(call, 'fallback', { [names.fallbackTo]: event.to });
        call.span.addEvent('router.fallback', { ...attributes, ...errorAttributes(event.error), [names.fallbackToModel]: event.toModel }, now());
        return;
      }
      case 'breaker':
        instruments.breakerState.record(breakerLevel[event.state], { [names.backend]: event.backend });
        call?.span.addEvent('router.breaker', { [names.backend]: event.backend, [names.breakerState]: event.state, [names.breakerPrevious]: event.previous }, now());
        return;
    }
  }

  return (event) => {
    switch (event.type) {
      case 'call-start':
        return start(event);
      case 'call-end':
        return end(event);
      case 'call-error':
        return fail(event);
      // The time to first chunk is on the call's end, which every stream reaches.
      case 'first-chunk':
        return;
      default:
        return reliability(event);
    }
  };
}
