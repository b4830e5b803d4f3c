// The limiter and the breaker are objects an application creates and hands to
// the router's `reliability` settings; the router only calls their methods. They
// are their own entry point so the main bundle stays small for apps that never
// limit or break. Their modules import core by package name, not path: this
// entry is built apart from the main one and must share its error classes.
export { CircuitBreaker, isBackendFailure } from './reliability/breaker.ts';
export type { BreakerState, CircuitBreakerOptions } from './reliability/breaker.ts';
export type { BreakerStore, SharedBreakerState } from './reliability/breaker-store.ts';
export type { BudgetStore } from './reliability/budget-store.ts';
export { ConcurrencyLimiter, createMemoryStore } from './reliability/limiter.ts';
export type { ConcurrencyLimiterOptions, ConcurrencyStore, LimiterState, Slot } from './reliability/limiter.ts';
export { createMemoryRateStore, RateLimiter } from './reliability/rate-limiter.ts';
export type { RateLimiterOptions, RateStore } from './reliability/rate-limiter.ts';
// One client with retries, fallbacks and limits but no router: apps that route never need it.
export { withReliability } from './reliability/with-reliability.ts';
export type { FallbackClient, WithReliabilityOptions } from './reliability/with-reliability.ts';
