/** One thing wrong with a header setting: where (`headers["X-Team"]`) and what, read as `${field} ${problem}`. */
export interface HeaderProblem {
  field: string;
  problem: string;
}

/** RFC 9110 token characters: what an HTTP header name may hold. */
const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A line break, NUL or other control character (tab aside): fetch refuses such a value, or it would split the header. */
const controlPattern = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Header values travel as bytes: anything beyond Latin-1 cannot be sent. */
const beyondLatin1Pattern = /[^\x00-\xff]/;

/**
 * Why `value` cannot be sent as an HTTP header value, or undefined when it can. Adapters check
 * static header settings (and settings sent as headers, such as an app name) at construction, so a
 * bad value is a `ConfigurationError` naming the field rather than a failure at the first call.
 */
export function headerValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${value === null ? 'null' : typeof value}).`;
  if (controlPattern.test(value)) return 'has a line break or control character (it is sent as an HTTP header).';
  if (beyondLatin1Pattern.test(value)) return 'must be Latin-1 text (it is sent as an HTTP header).';
  return undefined;
}

/** Every problem with a static headers setting: the object itself, each name and each value. */
export function headerProblems(headers: unknown, field: string = 'headers'): HeaderProblem[] {
  if (headers === undefined) return [];
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return [{ field, problem: 'must be an object of header names to string values.' }];
  }
  const problems: HeaderProblem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const where = `${field}[${JSON.stringify(name)}]`;
    if (!headerNamePattern.test(name)) problems.push({ field: where, problem: "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)." });
    const problem = headerValueProblem(value);
    if (problem !== undefined) problems.push({ field: where, problem });
  }
  return problems;
}
