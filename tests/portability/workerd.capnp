# workerd's config for runtimes.sh: `workerd test workerd.capnp` runs the
# `cases` worker's test handler, which also reaches the `gateway` worker (the
# gateway as a module worker) through a service binding. tsdown.workerd.ts
# bundles both into dist/workerd/ first. No socket is opened.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "cases", worker = .cases),
    (name = "gateway", worker = .gateway),
  ],
);

# Today's behaviour: from compatibility date 2026-08-04 workerd's Node
# compatibility (`nodejs_compat`) is on by default.
const cases :Workerd.Worker = (
  modules = [(name = "worker-cases.js", esModule = embed "dist/workerd/worker-cases.js")],
  compatibilityDate = "2026-11-01",
  bindings = [(name = "GATEWAY", service = "gateway")],
);

# The least the gateway needs: `nodejs_compat` at 2024-09-23, which provides
# node:crypto and node:buffer but not node:http (imported only by serve()).
const gateway :Workerd.Worker = (
  modules = [(name = "worker-gateway.js", esModule = embed "dist/workerd/worker-gateway.js")],
  compatibilityDate = "2024-09-23",
  compatibilityFlags = ["nodejs_compat"],
);
