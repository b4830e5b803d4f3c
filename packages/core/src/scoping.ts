import type { BaseCallOptions } from './types.ts';

/**
 * The options one backend receives. The call's unkeyed `extraBody` and
 * `headers` are for the backend it was routed to, never for a fallback on
 * another provider (a provider preference or a header with a credential
 * must not travel); `providerOptions[backend]` reaches that backend whatever
 * its place. The map is consumed here, so no layer below applies it again.
 */
export function optionsFor<O extends BaseCallOptions>(options: O, backend: string, routed: boolean): O {
  const { providerOptions } = options;
  if (providerOptions === undefined) {
    if (routed || (options.extraBody === undefined && options.headers === undefined)) return options;
    return { ...options, extraBody: undefined, headers: undefined };
  }
  const own = Object.hasOwn(providerOptions, backend) ? providerOptions[backend] : undefined;
  return {
    ...options,
    extraBody: merge(routed ? options.extraBody : undefined, own?.extraBody),
    headers: merge(routed ? options.headers : undefined, own?.headers),
    providerOptions: undefined,
  };
}

function merge<T extends object>(base: T | undefined, over: T | undefined): T | undefined {
  if (base === undefined) return over;
  return over === undefined ? base : { ...base, ...over };
}
