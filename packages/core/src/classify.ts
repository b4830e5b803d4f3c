// Imported by package name, not path: this entry point is built apart from the main one
// (so the main bundle stays small) and must share its error classes, not copy them.
import { ClassifyError, describeIssues } from '@router/core';
import type { BackendCapabilities, CallOptions, ClassifyIssue, LLMClient, Message, ResponseFormat, Router, StandardSchemaV1 } from '@router/core';

/** A Standard Schema (zod, valibot, arktype...), or a function that returns the valid value or throws. */
export type ClassifyValidator<T> = StandardSchemaV1<unknown, T> | ((value: unknown) => T | Promise<T>);

export interface ClassifyOptions<T> extends CallOptions {
  schema: ClassifyValidator<T>;
  /** How many times to ask again, stating the problem, after an invalid answer. Default 2. */
  maxRepairs?: number;
  /** Asked afresh (same messages, same repairs) once the model's repairs are spent. */
  fallbackModel?: string;
  /**
   * The answer's JSON Schema. Where the backend enforces schemas on the wire (its
   * `structuredOutputs` capability), it goes out as a `json_schema` response format;
   * elsewhere JSON mode is asked for, and the validation and re-asks do the rest.
   */
  jsonSchema?: Record<string, unknown>;
}

/** Whether the backend that would serve `model` enforces a JSON Schema, looking through routers. */
function enforcesSchemas(client: LLMClient, model: string): boolean {
  const declared = (client as { capabilities?: Partial<BackendCapabilities> }).capabilities;
  if (declared) return declared.structuredOutputs === true;
  const router = client as Partial<Router>;
  if (!router.explain || !router.backends) return false;
  const backend = router.explain(model).backend;
  const served = backend === undefined ? undefined : router.backends[backend];
  return served !== undefined && enforcesSchemas(served, model);
}

function responseFormatFor(client: LLMClient, model: string, jsonSchema: Record<string, unknown> | undefined): ResponseFormat {
  return jsonSchema !== undefined && enforcesSchemas(client, model) ? { type: 'json_schema', name: 'answer', schema: jsonSchema } : { type: 'json_object' };
}

type Checked<T> = { value: T; issues?: undefined } | { issues: ClassifyIssue[] };

/** Parses the reply as JSON (tolerating a Markdown code fence) and validates it. */
async function check<T>(text: string, schema: ClassifyValidator<T>): Promise<Checked<T>> {
  let json: unknown;
  try {
    json = JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch (error) {
    return { issues: [{ message: `the reply is not valid JSON (${(error as Error).message})` }] };
  }
  if (typeof schema === 'function') {
    try {
      return { value: await schema(json) };
    } catch (error) {
      return { issues: [{ message: error instanceof Error ? error.message : String(error) }] };
    }
  }
  const result = await schema['~standard'].validate(json);
  if (!result.issues) return result;
  return {
    issues: result.issues.map(({ message, path }) => ({
      message,
      ...(path && { path: path.map((segment) => (typeof segment === 'object' ? segment.key : segment)) }),
    })),
  };
}

/**
 * Asks for JSON and returns it validated and typed: the seed's classifier,
 * done right. JSON mode and `maxTokens` 512 by default (a misbehaving
 * classifier once produced thousands of tokens of prose). An invalid answer is
 * sent back with its problems, at most `maxRepairs` times, then the
 * `fallbackModel` gets the same chance; after that a ClassifyError carries the
 * last raw reply and all of its issues. Backend failures propagate as they
 * are (put retries and fallbacks on the client). One deadline covers every
 * request.
 *
 *     const { label } = await classify(llm, messages, { model: 'fast-model', schema: Intent });
 */
export async function classify<T>(client: LLMClient, messages: readonly Message[], options: ClassifyOptions<T>): Promise<T> {
  const { schema, maxRepairs = 2, fallbackModel, jsonSchema, ...call } = options;
  const deadline = call.timeoutMs === undefined ? call.deadline : Math.min(call.deadline ?? Number.POSITIVE_INFINITY, Date.now() + call.timeoutMs);
  let text = '';
  let issues: ClassifyIssue[] = [];
  for (const model of fallbackModel === undefined ? [call.model] : [call.model, fallbackModel]) {
    let conversation = messages;
    for (let asked = 0; asked <= maxRepairs; asked++) {
      ({ text } = await client.generate(conversation, {
        ...call,
        model,
        responseFormat: call.responseFormat ?? responseFormatFor(client, model, jsonSchema),
        maxTokens: call.maxTokens ?? 512,
        timeoutMs: undefined,
        deadline,
      }));
      const checked = await check(text, schema);
      if (!checked.issues) return checked.value;
      issues = checked.issues;
      conversation = [
        ...conversation,
        { role: 'assistant', content: text },
        { role: 'user', content: `That answer is invalid: ${describeIssues(issues)}. Reply with the corrected JSON only.` },
      ];
    }
  }
  throw new ClassifyError(text, issues, { model: fallbackModel ?? call.model });
}
