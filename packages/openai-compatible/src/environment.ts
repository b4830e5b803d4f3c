import { ConfigurationError } from '@router/core';

export interface KeyLookup {
  /** The backend's name, for the error message. */
  backend: string;
  /** The key from the settings; it wins over the environment. */
  apiKey: string | undefined;
  /** The environment variable to read, e.g. `ACME_API_KEY`. */
  variable: string;
  /** The factory users call, named in the error message (e.g. `createAcmeBackend`). */
  factory: string;
  /** Hosted services need a key; local servers take one only behind a proxy. */
  required: boolean;
}

/**
 * The `apiKey` setting of a thin backend: the key from the settings, else the
 * environment variable, read at the first call so importing never throws. A
 * required key that is missing is a `ConfigurationError` before any request;
 * an optional one that is missing sends no `Authorization` header.
 */
export function keyFromEnvironment(lookup: KeyLookup): () => string | undefined {
  return () => {
    const key = lookup.apiKey || process.env[lookup.variable];
    if (!key && lookup.required) {
      throw new ConfigurationError([`${lookup.backend}: no API key. Pass \`apiKey\` to ${lookup.factory} or set ${lookup.variable}.`]);
    }
    return key || undefined;
  };
}

/** A base URL setting: the one given, else the environment variable (read at the first call), else the default. */
export function baseURLFromEnvironment(baseURL: string | undefined, variable: string, fallback: string): string | (() => string) {
  return baseURL ?? (() => process.env[variable] || fallback);
}
