import { InvalidRequestError } from '@router/core';

/** A path that starts with a scheme (`https:`, `file:`) names its own target instead of a route under the base URL. */
const schemePattern = /^[a-z][a-z\d+.-]*:/i;

/**
 * The absolute URL of a helper route: `path` under `baseURL`, with the base URL's query kept.
 * The backend's key goes with the request, so anything that would reach another origin (an
 * absolute URL to another host, `//host`, `\\host`) is refused here, before any request.
 */
export function helperURL(baseURL: string, path: string, backend: string): string {
  const refuse = (problem: string): never => {
    throw new InvalidRequestError('path', problem, { backend });
  };
  if (typeof path !== 'string' || path === '') refuse('must be a non-empty path under the base URL, e.g. /models.');
  const base = new URL(baseURL);
  const offHost = '(the request carries the API key, so it only goes to the base URL’s origin).';
  if (/^[/\\]{2}/.test(path)) refuse(`must be a path under ${base.origin}, not a protocol-relative URL ${offHost}`);
  let url: URL;
  if (schemePattern.test(path)) {
    try {
      url = new URL(path);
    } catch {
      return refuse('is not a valid URL.');
    }
  } else {
    // After the base path's own slash, nothing in `path` can reach the authority (user info, host, port).
    url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    for (const [key, value] of base.searchParams) if (!url.searchParams.has(key)) url.searchParams.append(key, value);
  }
  if (url.origin !== base.origin) refuse(`must be a path under ${base.origin}; a URL on ${url.origin} is refused ${offHost}`);
  return url.href;
}
