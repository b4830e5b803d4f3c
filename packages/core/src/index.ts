export type {
  BackendCapabilities,
  BaseCallOptions,
  CallMetadata,
  CallOptions,
  Completion,
  EmbedOptions,
  Embeddings,
  FinishReason,
  LLMClient,
  Message,
  Operation,
  ResponseFormat,
  Role,
  Timings,
  Usage,
} from './types.ts';
export {
  AbortedError,
  BackendError,
  ConfigurationError,
  InvalidRequestError,
  isRetryableStatus,
  NoRouteError,
  parseRetryAfter,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  UnsupportedOperationError,
} from './errors.ts';
export type { RouterErrorOptions, TimeoutPhase } from './errors.ts';
export { CompletionStream } from './stream.ts';
export type { CompletionSource, StreamPart } from './stream.ts';
export { CallScope } from './scope.ts';
export type { ScopeContext } from './scope.ts';
export { createBackend } from './backend.ts';
export type {
  Backend,
  BackendCall,
  BackendDefinition,
  BackendEmbedCall,
  EmbedOutput,
  ErrorContext,
  GenerateOutput,
} from './backend.ts';
export { validateCall, validateEmbed } from './validate.ts';
export { createRouter } from './router.ts';
export type {
  ExactRule,
  PatternRule,
  PredicateRule,
  PrefixRule,
  RouteExplanation,
  Router,
  RouterConfig,
  RouteRule,
  RoutingTable,
  RuleKind,
} from './router.ts';
export { defaultLocalPrefixes, seedPolicy } from './presets.ts';
export type { SeedPolicyOptions } from './presets.ts';
export type {
  CallEndEvent,
  CallErrorEvent,
  CallStartEvent,
  FirstChunkEvent,
  RouterEvent,
  RouterListener,
} from './events.ts';
export { createTimingLog, timingLogFormatFromEnv } from './timing-log.ts';
export type { TimingLogFormat, TimingLogOptions } from './timing-log.ts';
