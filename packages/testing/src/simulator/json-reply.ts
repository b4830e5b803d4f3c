import { pickIndex, type Random } from './random.ts';
import { randomPhrase } from './words.ts';

/**
 * JSON mode: a reply that is one valid JSON object. For `json_schema` with simple `properties`
 * (string, integer and number with minimum/maximum, boolean, enum, const, nested objects, arrays)
 * the values satisfy the schema; otherwise a small fixed-shape object.
 */

type Schema = Record<string, unknown>;

/** Makes the value of a string in the schema. */
type StringMaker = (random: Random) => string;

const plainString: StringMaker = (random) => randomPhrase(random, 2);

const MAX_DEPTH = 6;

/** The JSON reply text for a `response_format`, or undefined when the request is not in JSON mode. */
export function jsonReplyText(random: Random, responseFormat: unknown): string | undefined {
  if (!isObject(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return spacedJson(smallObject(random));
  if (responseFormat.type !== 'json_schema') return undefined;
  const wrapper = responseFormat.json_schema;
  const schema = isObject(wrapper) ? wrapper.schema : undefined;
  if (isObject(schema) && isObject(schema.properties)) return spacedJson(valueFor(schema, random, 0, plainString));
  return spacedJson(smallObject(random));
}

function smallObject(random: Random): Record<string, unknown> {
  return { answer: randomPhrase(random, 3), score: pickIndex(random, 101), ok: random() < 0.5 };
}

/**
 * A value that satisfies a simple JSON Schema (see the module comment); strings come from `string`.
 * Every property is filled in, so `required` holds too.
 */
export function schemaValue(schema: Schema, random: Random, string: StringMaker = plainString): unknown {
  return valueFor(schema, random, 0, string);
}

function valueFor(schema: Schema, random: Random, depth: number, string: StringMaker): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[pickIndex(random, schema.enum.length)];
  if (Array.isArray(schema.anyOf) && isObject(schema.anyOf[0])) return valueFor(schema.anyOf[0], random, depth, string);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
      return integerWithin(schema, random);
    case 'number':
      return numberWithin(schema, random);
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    case 'array':
      return arrayOf(schema, random, depth, string);
    case 'object':
      return objectOf(schema, random, depth, string);
    default:
      return isObject(schema.properties) ? objectOf(schema, random, depth, string) : string(random);
  }
}

function bounds(schema: Schema, fallbackSpan: number): { min: number; max: number } {
  const min = num(schema.minimum) ?? num(schema.exclusiveMinimum) ?? 0;
  const max = num(schema.maximum) ?? num(schema.exclusiveMaximum) ?? min + fallbackSpan;
  return { min, max };
}

function integerWithin(schema: Schema, random: Random): number {
  const { min, max } = bounds(schema, 100);
  let low = Math.ceil(min);
  let high = Math.floor(max);
  if (num(schema.exclusiveMinimum) === min && low === min) low += 1;
  if (num(schema.exclusiveMaximum) === max && high === max) high -= 1;
  if (high < low) return low;
  return low + pickIndex(random, high - low + 1);
}

function numberWithin(schema: Schema, random: Random): number {
  const { min, max } = bounds(schema, 1);
  if (max <= min) return min;
  // Two decimals, pulled strictly inside the range so exclusive bounds hold too.
  const value = Math.round((min + (max - min) * (0.05 + 0.9 * random())) * 100) / 100;
  return value > min && value < max ? value : (min + max) / 2;
}

function arrayOf(schema: Schema, random: Random, depth: number, string: StringMaker): unknown[] {
  if (depth >= MAX_DEPTH || !isObject(schema.items)) return [];
  const count = Math.min(Math.max(num(schema.minItems) ?? 1, 1), 3);
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) items.push(valueFor(schema.items, random, depth + 1, string));
  return items;
}

function objectOf(schema: Schema, random: Random, depth: number, string: StringMaker): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (depth >= MAX_DEPTH || !isObject(schema.properties)) return result;
  for (const [key, child] of Object.entries(schema.properties)) {
    result[key] = isObject(child) ? valueFor(child, random, depth + 1, string) : null;
  }
  return result;
}

/** JSON with a space after `:` and `,`, so the text splits into several word tokens when streamed. */
export function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(', ')}]`;
  if (isObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
