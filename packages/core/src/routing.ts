// Model aliases and their strategies are their own entry, like the limiter and
// the breaker: apps without aliases keep the main bundle small. The router
// reaches an alias only through the contract in routing/alias-route.ts.
export { alias } from './routing/alias.ts';
export type { AliasDefinition, Deployment } from './routing/alias.ts';
export { cost, latency, leastBusy, ordered, strategies, weighted } from './routing/strategies.ts';
export type { AliasStrategy, DeploymentView, LatencyOptions, PickContext, StrategyName } from './routing/strategies.ts';
