import { createRouter, type Completion, type LLMClient, type Router } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { alias, strategies, type DeploymentView, type PickContext, type StrategyName } from '@router/core/routing';
import type { BenchCase } from '../context.ts';
import { atMost, figure, type Figures } from '../figures.ts';
import { median } from '../stats.ts';

export const deployments = 8;

/** Makes deployment `index`'s limiter: in memory here, on a Redis store in the redis case. */
export type LimiterFor = (index: number) => ConcurrencyLimiter;

const inMemory: LimiterFor = () => new ConcurrencyLimiter({ limit: 4 });

/** A deployment as an alias keeps it, with the limiter and breaker `least-busy` and the health check read. */
interface BenchDeployment extends DeploymentView {
  breaker: CircuitBreaker;
}

function views(limiterFor: LimiterFor): BenchDeployment[] {
  return Array.from({ length: deployments }, (_, index) => ({
    backend: `d${index}`,
    model: 'm',
    index,
    weight: index + 1,
    costPerToken: (deployments - index) * 1e-7,
    inFlight: index % 3,
    limiter: limiterFor(index),
    breaker: new CircuitBreaker(),
    ttftMs: 100 + ((index * 37) % 50),
    totalMs: 400 + ((index * 53) % 120),
    samples: 10,
  }));
}

/**
 * Nanoseconds per pick: what an alias does before each call, i.e. keep the
 * deployments whose breaker lets calls through, then run the strategy.
 * Median of `rounds` timed loops.
 */
export function nsPerPick(name: StrategyName, picks: number, rounds: number, limiterFor: LimiterFor = inMemory): number {
  const strategy = strategies[name]();
  const all = views(limiterFor);
  const candidates: BenchDeployment[] = [];
  let state = 1;
  const context: PickContext = {
    operation: 'stream',
    random: () => {
      state = (state * 48_271) % 2_147_483_647;
      return state / 2_147_483_647;
    },
  };
  let sink = 0;
  const pickOnce = (): void => {
    candidates.length = 0;
    for (const deployment of all) if (deployment.breaker.canPass()) candidates.push(deployment);
    sink += strategy(candidates, context);
  };
  for (let i = 0; i < picks; i++) pickOnce();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < picks; i++) pickOnce();
    samples.push(((performance.now() - started) * 1e6) / picks);
  }
  if (sink < 0) throw new Error('unreachable: keeps the picks from being optimised away');
  return median(samples);
}

/** A backend that answers at once, so a call's time is the router's own. */
function instant(name: string): LLMClient {
  const completion: Completion = { text: 'ok', finishReason: 'stop', backend: name, adapter: name, model: 'm', attempts: 1, timings: { startedAt: 0, totalMs: 0 } };
  const answer = Promise.resolve(completion);
  const unused = (): never => {
    throw new Error('not used by this case');
  };
  return { name, generate: () => answer, stream: unused, embed: unused };
}

/**
 * Nanoseconds per `generate` through `router` for `first` and `second`, in
 * short slices that alternate (which goes first alternates too), so a burst
 * of load from elsewhere on the machine falls on both; one pair per round.
 */
async function pairedCalls(router: Router, [first, second]: readonly [string, string], calls: number, rounds: number): Promise<[number, number][]> {
  const messages = [{ role: 'user' as const, content: 'hi' }];
  const slice = async (model: string): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await router.generate(messages, { model });
    return ((performance.now() - started) * 1e6) / calls;
  };
  for (let i = 0; i < 5; i++) await slice(i % 2 === 0 ? first : second);
  const pairs: [number, number][] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const a = await slice(first);
      pairs.push([a, await slice(second)]);
    } else {
      const b = await slice(second);
      pairs.push([await slice(first), b]);
    }
  }
  return pairs;
}

/**
 * Model aliases: the pick itself for every strategy at 8 deployments, and
 * what an alias with one deployment adds to a call over a rule (both to an
 * in-memory backend that answers at once, in one process, alternating).
 */
export const aliasesCase: BenchCase = {
  key: 'aliases',
  title: `model aliases: the pick at ${deployments} deployments per strategy; one deployment vs a rule`,
  async run({ quick, progress }) {
    const picks = quick ? 20_000 : 200_000;
    const rounds = quick ? 5 : 15;
    progress(`aliases: ${rounds} rounds of ${picks} picks per strategy`);
    const figures: Figures = {};
    for (const name of Object.keys(strategies) as StrategyName[]) {
      figures[`pick.${name}`] = atMost(nsPerPick(name, picks, rounds) / 1000, 'µs', 2);
    }
    const router = createRouter({
      backends: { local: instant('local') },
      rules: [{ model: 'rule', backend: 'local' }],
      aliases: { one: alias({ deployments: [{ backend: 'local', model: 'm' }] }) },
      timingLog: false,
    });
    const calls = 2_000;
    const pairs = quick ? 40 : 200;
    progress(`aliases: one deployment vs a rule, ${pairs} alternating pairs of ${calls}-call slices`);
    const paired = await pairedCalls(router, ['rule', 'one'], calls, pairs);
    figures['call.rule'] = figure(median(paired.map(([rule]) => rule)) / 1000, 'µs');
    figures['call.oneDeployment'] = figure(median(paired.map(([, one]) => one)) / 1000, 'µs');
    // What the alias adds (its own model id written into the call's options): the median of the paired differences.
    figures['call.oneDeploymentAdded'] = atMost(median(paired.map(([rule, one]) => one - rule)) / 1000, 'µs', 0.1);
    return figures;
  },
};
