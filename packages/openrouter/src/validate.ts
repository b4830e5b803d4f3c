import { ConfigurationError, InvalidRequestError } from '@router/core';
import { headerProblems, headerValueProblem } from '@router/core/adapter';
import type { OpenRouterBackendSettings } from './types.ts';

/** One thing wrong with the input: where, and what (read as `${field} ${problem}`). */
export interface Problem {
  field: string;
  problem: string;
}

/** Body fields the backend sets from the call itself; an extra body must not replace them. */
const reservedBodyFields: readonly string[] = ['model', 'messages', 'stream', 'input'];

type FieldKind = 'strings' | 'boolean' | 'string' | 'string-or-object' | 'number-or-object' | 'object';

/** The shape of each known `provider` field. Unknown fields pass through unchecked. */
const preferenceKinds: Readonly<Record<string, FieldKind>> = {
  order: 'strings',
  only: 'strings',
  ignore: 'strings',
  quantizations: 'strings',
  allow_fallbacks: 'boolean',
  require_parameters: 'boolean',
  zdr: 'boolean',
  enforce_distillable_text: 'boolean',
  data_collection: 'string',
  sort: 'string-or-object',
  max_price: 'object',
  preferred_min_throughput: 'number-or-object',
  preferred_max_latency: 'number-or-object',
};

const kindDescriptions: Readonly<Record<FieldKind, string>> = {
  strings: 'must be an array of non-empty strings',
  boolean: 'must be true or false',
  string: 'must be a string',
  'string-or-object': 'must be a string or an object',
  'number-or-object': 'must be a number or an object of percentile cutoffs',
  object: 'must be an object',
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '');
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'strings':
      return isNonEmptyStringArray(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'string-or-object':
      return typeof value === 'string' || isPlainObject(value);
    case 'number-or-object':
      return (typeof value === 'number' && Number.isFinite(value)) || isPlainObject(value);
    case 'object':
      return isPlainObject(value);
  }
}

/** Checks the known fields of provider routing preferences; `undefined` fields are simply not sent. */
export function providerProblems(preferences: unknown, field: string): Problem[] {
  if (!isPlainObject(preferences)) return [{ field, problem: 'must be an object of provider routing preferences.' }];
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(preferences)) {
    const kind = preferenceKinds[name];
    if (kind === undefined || value === undefined || hasKind(value, kind)) continue;
    problems.push({ field: `${field}.${name}`, problem: `${kindDescriptions[kind]} (got ${JSON.stringify(value)}).` });
  }
  return problems;
}

/** Checks an extra body (the backend's default or a call's): reserved fields, `provider` and `models`. */
export function extraBodyProblems(body: unknown, field: string): Problem[] {
  if (!isPlainObject(body)) return [{ field, problem: 'must be a plain object.' }];
  const problems: Problem[] = [];
  for (const name of reservedBodyFields) {
    if (body[name] !== undefined) {
      problems.push({ field: `${field}.${name}`, problem: 'is set by the backend from the call; pass it through the call instead.' });
    }
  }
  if (body.provider !== undefined) problems.push(...providerProblems(body.provider, `${field}.provider`));
  if (body.models !== undefined && !(isNonEmptyStringArray(body.models) && (body.models as unknown[]).length > 0)) {
    problems.push({ field: `${field}.models`, problem: 'must be a non-empty array of model ids (fallbacks, tried in order).' });
  }
  return problems;
}

function baseURLProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string URL.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an absolute http(s) URL (got ${JSON.stringify(value)}).`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `must use http or https (got ${url.protocol}).`;
}

/** Rejects a misconfigured backend at construction, reporting every problem at once. */
export function validateSettings(settings: OpenRouterBackendSettings): void {
  if (!isPlainObject(settings)) throw new ConfigurationError(['createOpenRouterBackend: settings must be an object.']);
  const problems: Problem[] = [];
  const check = (field: string, problem: string | undefined): void => {
    if (problem !== undefined) problems.push({ field, problem });
  };
  const { name, apiKey, baseURL, appName, appUrl, headers, fetch, defaultExtraBody, provider } = settings;
  if (name !== undefined) check('name', typeof name === 'string' && name.trim() !== '' ? undefined : 'must be a non-empty string.');
  if (apiKey !== undefined) check('apiKey', typeof apiKey === 'string' && apiKey !== '' ? undefined : 'must be a non-empty string (or leave it out to use OPENROUTER_API_KEY).');
  if (baseURL !== undefined) check('baseURL', baseURLProblem(baseURL));
  if (appName !== undefined) check('appName', headerValueProblem(appName));
  if (appUrl !== undefined) check('appUrl', headerValueProblem(appUrl));
  problems.push(...headerProblems(headers));
  if (fetch !== undefined) check('fetch', typeof fetch === 'function' ? undefined : 'must be a fetch function.');
  if (defaultExtraBody !== undefined) problems.push(...extraBodyProblems(defaultExtraBody, 'defaultExtraBody'));
  if (provider !== undefined) problems.push(...providerProblems(provider, 'provider'));
  if (problems.length > 0) {
    throw new ConfigurationError(problems.map(({ field, problem }) => `createOpenRouterBackend: ${field} ${problem}`));
  }
}

/** Rejects a call's bad extra body before any network call, naming the field. */
export function validateCallExtraBody(body: Record<string, unknown> | undefined, context: { backend: string; model: string }): void {
  if (body === undefined) return;
  const [first] = extraBodyProblems(body, 'options.extraBody');
  if (first) throw new InvalidRequestError(first.field, first.problem, context);
}
