import { ConfigurationError } from '@router/core';
import { headerValueProblem } from '@router/core/adapter';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, OpenAICompatibleSettings, RequestOptions } from '@router/openai-compatible';
import { defaultAbortGraceMs, defaultBaseURL, defaultCapabilities, defaultPlanUnits } from './settings.ts';
import type { FeatherlessExtraBody, FeatherlessSettings } from './settings.ts';
import { unitsForModel } from './units.ts';

/** `GET /plan`: the account's plan. Field names as Featherless sends them (not all documented). */
export interface FeatherlessPlan {
  [field: string]: unknown;
}

export interface FeatherlessBackend extends OpenAICompatibleBackend {
  /** The plan's concurrency units: the limit to give core's concurrency limiter, with `costOf` as the cost. */
  readonly planUnits: number;
  /** How long a router's limiter keeps the units of a call that ended early (default `defaultAbortGraceMs`). */
  readonly abortGraceMs: number;
  /** The account's plan (`GET /plan`). */
  getPlan(options?: RequestOptions): Promise<FeatherlessPlan>;
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function costRule(unitCost: FeatherlessSettings['unitCost']): (model: string) => number {
  if (unitCost === undefined) return unitsForModel;
  if (typeof unitCost === 'function') return (model) => unitCost(model) ?? unitsForModel(model);
  return (model) => (Object.hasOwn(unitCost, model) ? (unitCost[model] as number) : unitsForModel(model));
}

/** `toolModels` as a predicate; a setting of the wrong kind is a problem. */
function toolModelRule(toolModels: FeatherlessSettings['toolModels'], name: string, problems: string[]): ((model: string) => boolean) | undefined {
  if (toolModels === undefined) return undefined;
  if (typeof toolModels === 'function') return (model) => toolModels(model) === true;
  if (Array.isArray(toolModels) && toolModels.every((model) => typeof model === 'string')) {
    const ids = new Set<string>(toolModels);
    return (model) => ids.has(model);
  }
  problems.push(`${name}: toolModels must be a list of model ids or a function of the model id.`);
  return undefined;
}

function statusHint(status: number, model: string, planUnits: number, costOf: (model: string) => number): string | undefined {
  switch (status) {
    case 429:
      return `Featherless limits concurrent requests by plan units: this backend's plan has ${planUnits} and a request to ${model || 'this model'} costs ${costOf(model)}. Bound concurrency with core's limiter (limit: backend.planUnits, cost: backend.costOf).`;
    case 401:
      return 'Featherless refused the API key: check FEATHERLESS_API_KEY (or the apiKey setting).';
    case 400:
      return 'Featherless also answers 400 while a model is cold (not yet loaded): if the request is valid, retry shortly.';
    case 403:
      return 'Gated models need access granted to your Featherless account.';
    default:
      return undefined;
  }
}

/**
 * A backend for Featherless. The key comes from settings or
 * `FEATHERLESS_API_KEY`, read at the first call; the backend knows its plan's
 * concurrency units and what each model costs.
 */
export function createFeatherlessBackend(settings: FeatherlessSettings = {}): FeatherlessBackend {
  const name = settings.name ?? 'featherless';
  const planUnits = settings.planUnits ?? defaultPlanUnits;
  const abortGraceMs = settings.abortGraceMs ?? defaultAbortGraceMs;
  const problems: string[] = [];
  if (!isPositiveInteger(planUnits)) problems.push(`${name}: planUnits must be a positive integer (got ${String(planUnits)}).`);
  const { unitCost } = settings;
  if (unitCost !== undefined && typeof unitCost !== 'function') {
    for (const [model, units] of Object.entries(unitCost)) {
      if (!isPositiveInteger(units)) problems.push(`${name}: unitCost[${JSON.stringify(model)}] must be a positive integer (got ${String(units)}).`);
    }
  }
  const costOf = costRule(unitCost);
  // Attribution travels as headers: a bad value is reported under its own setting's name (and not sent twice as a header problem).
  const attribution: Record<string, string> = {};
  for (const [setting, header] of [['appUrl', 'HTTP-Referer'], ['appName', 'X-Title']] as const) {
    const value = settings[setting];
    if (value === undefined || value === '') continue;
    const problem = headerValueProblem(value);
    if (problem === undefined) attribution[header] = value;
    else problems.push(`${name}: ${setting} ${problem}`);
  }
  const { headers } = settings;
  const toolModel = toolModelRule(settings.toolModels, name, problems);

  const base: OpenAICompatibleSettings<FeatherlessExtraBody> = {
    name,
    baseURL: settings.baseURL ?? defaultBaseURL,
    apiKey: () => {
      const key = settings.apiKey || process.env.FEATHERLESS_API_KEY;
      if (!key) {
        throw new ConfigurationError([`${name}: no API key. Pass \`apiKey\` to createFeatherlessBackend or set FEATHERLESS_API_KEY.`]);
      }
      return key;
    },
    // Anything but an object is passed on as given, for the base adapter to report.
    headers: headers === undefined || (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) ? { ...attribution, ...headers } : headers,
    capabilities: { ...defaultCapabilities, ...(toolModel ? { tools: true } : {}), ...settings.capabilities },
    ...(toolModel ? { modelCapabilities: (model: string) => ({ tools: toolModel(model) }) } : {}),
    costOf,
    abortGraceMs,
    hints: { status: (status, context) => statusHint(status, context.model, planUnits, costOf) },
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  };
  const backend = createOpenAICompatibleBackend(base, problems);

  return {
    ...backend,
    planUnits,
    abortGraceMs,
    getPlan: (options) => backend.getJSON<FeatherlessPlan>('/plan', options),
  };
}
