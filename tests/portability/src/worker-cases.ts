/**
 * The cases inside workerd, Cloudflare's open-source Workers runtime:
 * `workerd test` calls this worker's `test` handler. Core's cases and the
 * gateway's run in the worker's isolate, as on Deno and Bun; then the
 * gateway's cases run again through `env.GATEWAY`, a service binding to
 * worker-gateway.ts, so each request goes through workerd's own dispatch to
 * a module worker whose `fetch` is the gateway, and each response (a stream
 * too) comes back through it.
 */
import { portableCases } from './cases.ts';
import { gatewayCases, portableGateway } from './gateway-cases.ts';
import { runCases } from './harness.ts';

interface Env {
  GATEWAY: { fetch(request: Request): Promise<Response> };
}

export default {
  async test(_controller: unknown, env: Env): Promise<void> {
    const cases = [
      ...portableCases,
      ...gatewayCases(portableGateway()),
      ...gatewayCases((request) => env.GATEWAY.fetch(request), 'gateway as a worker'),
    ];
    console.log('@router/core and @router/gateway portability on workerd');
    const { passed, failed } = await runCases(cases, (line) => console.log(line));
    console.log(`workerd: ${passed} passed, ${failed} failed`);
    // A throw is how `workerd test` marks the test failed (and exits non-zero).
    if (failed > 0) throw new Error(`${failed} of ${passed + failed} cases failed on workerd`);
  },
};
