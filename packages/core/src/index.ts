export type {
  AssistantMessage,
  BackendCapabilities,
  BaseCallOptions,
  CallMetadata,
  CallOptions,
  Capability,
  Completion,
  ContentPart,
  EmbedOptions,
  Embeddings,
  FinishReason,
  ImagePart,
  LLMClient,
  Message,
  Operation,
  ProviderCallOptions,
  ReasoningOptions,
  ResponseFormat,
  Role,
  SystemMessage,
  TextPart,
  Timings,
  ToolCall,
  ToolCallRequest,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  Usage,
  UserMessage,
} from './types.ts';
export {
  AbortedError,
  BackendError,
  CircuitOpenError,
  ClassifyError,
  ConfigurationError,
  describeIssues,
  InvalidRequestError,
  isRetryableStatus,
  NoRouteError,
  parseRetryAfter,
  QueueFullError,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  UnsupportedOperationError,
} from './errors.ts';
export type { ClassifyIssue, RouterErrorOptions, TimeoutPhase } from './errors.ts';
export { CompletionStream } from './stream.ts';
export type { FinishPart, StreamMode, StreamPart, StreamProducer, StreamSink } from './stream.ts';
export { CallScope } from './scope.ts';
export type { ScopeContext } from './scope.ts';
export type {
  Backend,
  BackendCall,
  BackendDefinition,
  BackendEmbedCall,
  EmbedOutput,
  ErrorContext,
  GenerateOutput,
} from './backend.ts';
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
// `alias()` and the strategies are in `@router/core/routing`; what the router shows of them is here.
export type { AliasExplanation, DeploymentExplanation, ModelAlias } from './routing/alias-route.ts';
export { defaultLocalPrefixes, seedPolicy } from './presets.ts';
export type { SeedPolicyOptions } from './presets.ts';
export type {
  AttemptEndEvent,
  AttemptStartEvent,
  BreakerEvent,
  CallEndEvent,
  CallErrorEvent,
  CallRequest,
  CallStartEvent,
  FallbackEvent,
  FirstChunkEvent,
  QueueWaitEvent,
  RetryEvent,
  RouterEvent,
  RouterListener,
} from './events.ts';
// The limiter and the breaker are in `@router/core/reliability`; their state type is part of this entry's events.
export type { BreakerState } from './reliability/breaker.ts';
export type { LimiterState } from './reliability/limiter.ts';
export type { RetryPolicy } from './reliability/retry.ts';
export type { BackendPolicy, FallbackTarget, RoutePolicy } from './reliability/chain.ts';
export type { StandardIssue, StandardOutput, StandardPathSegment, StandardResult, StandardSchemaV1 } from './standard-schema.ts';
export { createTimingLog, timingLogFormatFromEnv } from './timing-log.ts';
export type { TimingLogFormat, TimingLogOptions } from './timing-log.ts';
