/**
 * The gateway as a module worker, written as one would deploy it to a
 * Workers-style host: the handler made once, at module scope, and exported
 * as the worker's `fetch`. `workerd.capnp` serves it; the cases reach it
 * through a service binding (see worker-cases.ts).
 */
import { portableGateway } from './gateway-cases.ts';

const gateway = portableGateway();

const worker: { fetch: (request: Request) => Promise<Response> } = { fetch: gateway.fetch };

export default worker;
