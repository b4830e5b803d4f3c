import { defineGateway, type GatewayConfig, type GatewayKey } from '@router/gateway';
import { composeRouter } from './compose.ts';
import { readConfig, type AppConfig } from './config.ts';
import { startSimulatedServices } from './simulated.ts';
import type { Simulator } from '@router/testing';

/**
 * The example app's router behind `router-gateway` (`./pnpmw gateway`): live
 * when OPENROUTER_API_KEY or FEATHERLESS_API_KEY is set, otherwise on the
 * simulator, started here and closed when the gateway stops. Set GATEWAY_KEY
 * to ask clients for a key.
 */
const read = readConfig([], process.env);
let config = read as AppConfig;
let simulator: Simulator | undefined;
if (config.mode === 'simulated') ({ simulator, config } = await startSimulatedServices(config));
process.stderr.write(
  simulator ? `Simulated backends at ${simulator.url}; set OPENROUTER_API_KEY or FEATHERLESS_API_KEY for live ones.\n` : 'Live backends.\n',
);

const keys: GatewayKey[] | undefined = process.env.GATEWAY_KEY ? [{ key: process.env.GATEWAY_KEY, name: 'default' }] : undefined;

const gateway: GatewayConfig = defineGateway({
  router: composeRouter(config, []),
  models: [config.models.narrative, config.models.classifier, config.models.embedding],
  keys,
  close: () => simulator?.close(),
});

export default gateway;
