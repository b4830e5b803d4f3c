import { describe, it } from 'vitest';
import { portableCases } from '../src/cases.ts';
import { gatewayCases, portableGateway } from '../src/gateway-cases.ts';

// The same cases as on Deno and Bun (runtimes.sh), here on Node against core's sources.
describe('portable cases on Node', () => {
  for (const c of portableCases) it(c.name, () => c.run());
});

describe('the gateway fetch handler on Node', () => {
  for (const c of gatewayCases(portableGateway())) it(c.name, () => c.run());
});
