import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { benchScript, spawnNode } from '../node-process.ts';

/** Where the simulator answers, per dialect the benchmark uses. */
export interface SimulatorURLs {
  /** Base URL of the OpenAI dialect (for the `openai` SDK and the openai-compatible adapter). */
  openaiURL: string;
  /** Base URL of the OpenRouter dialect (for `@openrouter/ai-sdk-provider` and the openrouter adapter). */
  openrouterURL: string;
}

/** The simulator running in its own process. */
export interface SimulatorProcess extends SimulatorURLs {
  close(): Promise<void>;
}

interface Banner {
  url: string;
  openai: string;
  openrouter: string;
}

/** Starts the simulator in a child process on a free loopback port and waits for its URLs. */
export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const child = spawnNode([benchScript('./simulator/main.ts')]);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the simulator process exited (${String(code)}) before it was ready:\n${stderr.trim()}`);
  });
  const first = once(lines, 'line').then(([line]) => JSON.parse(line as string) as Banner);
  const banner = await Promise.race([first, exited]);
  lines.close();
  exited.catch(() => undefined);
  return {
    openaiURL: banner.openai,
    openrouterURL: banner.openrouter,
    async close() {
      if (child.exitCode !== null) return;
      const gone = once(child, 'exit');
      child.stdin?.end();
      await gone;
    },
  };
}
