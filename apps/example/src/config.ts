import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface AppConfig {
  mode: 'live' | 'simulated';
  message: string;
  characters: string[];
  turns: number;
  chat: boolean;
  sequential: boolean;
  json: boolean;
  /** Print each turn's span tree (OpenTelemetry, through @router/otel). */
  otel: boolean;
  db: string;
  models: { narrative: string; classifier: string; localClassifier: string | undefined; embedding: string };
  /** OpenRouter providers the classifier alias has a pinned deployment on, one each. */
  classifierProviders: string[];
  openrouter: { apiKey: string | undefined; baseURL: string | undefined };
  featherless: { apiKey: string | undefined; baseURL: string | undefined };
  mlx: { baseURL: string | undefined };
}

export const defaults: {
  message: string;
  characters: string[];
  narrativeModel: string;
  classifierModel: string;
  localClassifierModel: string;
  embeddingModel: string;
  classifierProviders: string;
  db: string;
} = {
  message: 'I push open the door of the lighthouse and call out to whoever keeps the lamp.',
  characters: ['Ada', 'Brom', 'Cyra'],
  narrativeModel: 'mistralai/Mistral-Small-24B-Instruct-2501',
  classifierModel: 'meta-llama/llama-3.1-8b-instruct',
  localClassifierModel: 'mlx-community/Meta-Llama-3.1-8B-Instruct-4bit',
  embeddingModel: 'mlx-community/all-MiniLM-L6-v2-4bit',
  classifierProviders: 'Cerebras,Groq',
  db: join(import.meta.dirname, '..', 'data', 'memory.sqlite'),
};

export const usage: string = `Usage: pnpm demo -- [options]

  --message TEXT      what the player says (default: a built-in line)
  --characters A,B,C  the characters whose relationships are tracked
  --turns N           play N turns (default 1)
  --chat              interactive: one turn per line you type
  --sequential        classify pairs one after another (as before the seed's fix)
  --db PATH           the memory database (default apps/example/data/memory.sqlite)
  --json              print one JSON object and nothing else
  --otel              print each turn's span tree: the turn, its calls and their attempts, with durations
                      (to standard error with --json)
  --simulate          use the in-process simulator even when keys are set
  --help

Live mode when OPENROUTER_API_KEY or FEATHERLESS_API_KEY is set; see .env.example.`;

/** Reads flags (a leading `--`, as pnpm passes it on, is accepted) and the environment. */
export function readConfig(argv: readonly string[], env: Record<string, string | undefined>): AppConfig | 'help' {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args: [...args],
    options: {
      message: { type: 'string' },
      characters: { type: 'string' },
      turns: { type: 'string' },
      chat: { type: 'boolean', default: false },
      sequential: { type: 'boolean', default: false },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      otel: { type: 'boolean', default: false },
      simulate: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const characters = (values.characters ?? defaults.characters.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (characters.length < 2) throw new UsageError('--characters needs at least two names, e.g. --characters Ada,Brom');
  const turns = Number(values.turns ?? '1');
  if (!Number.isInteger(turns) || turns < 1) throw new UsageError(`--turns must be a positive whole number (got ${values.turns})`);
  const hasKey = Boolean(env.OPENROUTER_API_KEY || env.FEATHERLESS_API_KEY);
  return {
    mode: hasKey && !values.simulate ? 'live' : 'simulated',
    message: values.message ?? defaults.message,
    characters,
    turns,
    chat: values.chat,
    sequential: values.sequential,
    json: values.json,
    otel: values.otel,
    db: values.db ?? defaults.db,
    models: {
      narrative: env.NARRATIVE_MODEL || defaults.narrativeModel,
      classifier: env.CLASSIFIER_MODEL || defaults.classifierModel,
      // `none` leaves the local deployment out of the classifier alias.
      localClassifier: env.LOCAL_CLASSIFIER_MODEL === 'none' ? undefined : env.LOCAL_CLASSIFIER_MODEL || defaults.localClassifierModel,
      embedding: env.EMBEDDING_MODEL || defaults.embeddingModel,
    },
    classifierProviders: (env.CLASSIFIER_PROVIDERS || defaults.classifierProviders)
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    openrouter: { apiKey: env.OPENROUTER_API_KEY || undefined, baseURL: env.OPENROUTER_BASE_URL || undefined },
    featherless: { apiKey: env.FEATHERLESS_API_KEY || undefined, baseURL: env.FEATHERLESS_BASE_URL || undefined },
    mlx: { baseURL: env.MLX_BASE_URL || undefined },
  };
}

/** A mistake on the command line: shown with the usage, never with a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}
