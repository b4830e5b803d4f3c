/**
 * The simulator as its own process, so its CPU is not counted in the
 * benchmark's: it prints one JSON line with the base URLs, then serves until
 * its standard input closes (the benchmark ended, or died) or it gets SIGTERM.
 */
import { startSimulator } from '@router/testing';
import { benchModels } from './models.ts';

const simulator = await startSimulator({
  models: Object.fromEntries(Object.values(benchModels).map((model) => [model.id, model.profile])),
  // Thousands of requests: keep the simulator's own log from growing.
  logBodies: false,
  maxLogEntries: 100,
});

process.stdout.write(`${JSON.stringify({ url: simulator.url, openai: simulator.baseURL('openai'), openrouter: simulator.baseURL('openrouter') })}\n`);

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
