import { createInterface } from 'node:readline/promises';
import { RouterError, StreamInterruptedError } from '@router/core';
import type { Simulator } from '@router/testing';
import { CallLog } from './calls.ts';
import { composeRouter } from './compose.ts';
import { readConfig, usage, UsageError, type AppConfig } from './config.ts';
import { loadDotEnv } from './env.ts';
import { Memory } from './memory.ts';
import { turnSummary } from './render.ts';
import { startSimulatedServices } from './simulated.ts';
import { playTurn, type TurnResult } from './turn.ts';

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

function describeMode(config: AppConfig, simulator: Simulator | undefined): string {
  if (simulator) {
    return `Simulated mode: every backend is simulated in-process (${simulator.url}); no keys are set, so nothing leaves this machine. Set OPENROUTER_API_KEY or FEATHERLESS_API_KEY for live mode.`;
  }
  return (
    `Live mode: narrative ${config.models.narrative} on Featherless, classifier ${config.models.classifier} by latency over OpenRouter ` +
    `pinned to ${config.classifierProviders.join(' or ')}${config.models.localClassifier ? ` or ${config.models.localClassifier} on MLX` : ''}, ` +
    `embeddings ${config.models.embedding} on MLX.`
  );
}

/** One line for a person: the typed error's message, which says what to do. Stacks only with DEBUG. */
function describeFailure(error: unknown): string {
  if (StreamInterruptedError.isInstance(error)) {
    return `the narrative stream was interrupted after ${error.partialText.length} characters: ${(error.cause as Error | undefined)?.message ?? error.message} (the text above is everything that arrived)`;
  }
  if (RouterError.isInstance(error) || error instanceof UsageError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

async function runTurn(config: AppConfig, memory: Memory, router: ReturnType<typeof composeRouter>, callLog: CallLog, message: string): Promise<TurnResult> {
  const showProgress = !config.json && process.stderr.isTTY;
  if (!config.json) out(`\nYou: ${message}\n\nNarrator: `);
  let narrativeDone = false;
  let progress = '';
  const result = await playTurn(
    {
      llm: router,
      memory,
      callLog,
      settings: config,
      onText: (chunk) => {
        if (!config.json) out(chunk);
      },
      onProgress: (done, total) => {
        progress = `classifier: ${done}/${total} pairs done`;
        if (showProgress && narrativeDone) err(`\r${progress}`);
      },
    },
    message,
  );
  narrativeDone = true;
  if (showProgress && progress) err('\r\x1b[K');
  if (!config.json) out(`\n${turnSummary(result, config.sequential)}\n`);
  return result;
}

async function main(): Promise<number> {
  let config: AppConfig;
  try {
    // Before any key is read, so a key in .env selects live mode.
    loadDotEnv();
    const read = readConfig(process.argv.slice(2), process.env);
    if (read === 'help') {
      out(`${usage}\n`);
      return 0;
    }
    config = read;
  } catch (error) {
    err(`error: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 2;
  }

  let simulator: Simulator | undefined;
  if (config.mode === 'simulated') ({ simulator, config } = await startSimulatedServices(config));
  (config.json ? err : out)(`${describeMode(config, simulator)} (Node ${process.version})\n`);

  const memory = Memory.open(config.db);
  const callLog = new CallLog();
  // Loaded only with --otel: without it the app does not even import the SDK.
  const tracing = config.otel ? (await import('./tracing.ts')).createTurnTracing() : undefined;
  const router = composeRouter(config, tracing ? [callLog.listener, tracing.listener] : [callLog.listener]);
  try {
    let last: TurnResult | undefined;
    const play = async (message: string): Promise<boolean> => {
      const turn = () => runTurn(config, memory, router, callLog, message);
      if (tracing) {
        const traced = await tracing.traceTurn(turn);
        last = traced.result;
        (config.json ? err : out)(`\n${traced.tree}\n`);
      } else {
        last = await turn();
      }
      for (const warning of last.warnings) err(`warning: ${warning}\n`);
      if (last.error === undefined) return true;
      err(`error: ${describeFailure(last.error)}\n`);
      return false;
    };
    if (config.chat) {
      const lines = createInterface({ input: process.stdin, output: process.stderr, prompt: '\n> ' });
      lines.prompt();
      for await (const line of lines) {
        if (line.trim() === '/quit') break;
        if (line.trim()) await play(line.trim());
        lines.prompt();
      }
      lines.close();
    } else {
      for (let i = 0; i < config.turns; i++) if (!(await play(config.message))) break;
    }
    if (config.json && last) {
      out(
        `${JSON.stringify({
          mode: config.mode,
          reply: last.reply,
          stateUpdates: last.stateUpdates,
          calls: last.calls.map(({ startedAt: _, ...call }) => call),
          turnMs: last.turnMs,
          criticalPathMs: last.criticalPathMs,
          ...(last.error !== undefined && { error: describeFailure(last.error) }),
        })}\n`,
      );
    }
    return last?.error === undefined ? 0 : 1;
  } catch (error) {
    err(`error: ${describeFailure(error)}\n`);
    if (process.env.DEBUG) err(`${(error as Error).stack}\n`);
    return 1;
  } finally {
    memory.close();
    await simulator?.close();
  }
}

process.exitCode = await main();
