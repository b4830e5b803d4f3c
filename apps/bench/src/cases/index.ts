import type { BenchCase } from '../context.ts';
import { aiProviderCase } from './ai-provider.ts';
import { aliasesCase } from './aliases.ts';
import { breakerCase } from './breaker.ts';
import { coreBundleCase } from './core-bundle.ts';
import { generateCase } from './generate.ts';
import { streamCase } from './stream.ts';
import { hooksCase } from './hooks.ts';
import { memoryCase } from './memory.ts';
import { reactionCase } from './reaction.ts';
import { otelCase } from './otel.ts';
import { redisLimiterCase } from './redis-limiter.ts';
import { sweepCase } from './sweep.ts';
import { toolsCase } from './tools.ts';
import { turnCase } from './turn.ts';

/** The cases, in the order of the issue. */
export const benchCases: readonly BenchCase[] = [generateCase, streamCase, sweepCase, memoryCase, hooksCase, coreBundleCase, turnCase, aliasesCase, reactionCase, otelCase, breakerCase, redisLimiterCase, toolsCase, aiProviderCase];
