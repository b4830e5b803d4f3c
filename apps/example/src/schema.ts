/** What the classifier returns for one directed pair. */
export interface RelationshipUpdate {
  affinity: -2 | -1 | 0 | 1 | 2;
  reason: string;
}

/**
 * Validates a parsed classifier reply: `{ "affinity": integer from -2 to 2, "reason": string }`.
 * Throws every problem at once, which `classify` sends back to the model.
 */
export function relationshipUpdate(value: unknown): RelationshipUpdate {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the reply must be a JSON object');
  const { affinity, reason } = value as Record<string, unknown>;
  const issues: string[] = [];
  if (!(typeof affinity === 'number' && Number.isInteger(affinity) && affinity >= -2 && affinity <= 2)) {
    issues.push(`"affinity" must be an integer from -2 to 2 (got ${JSON.stringify(affinity)})`);
  }
  if (typeof reason !== 'string' || reason.trim() === '') issues.push('"reason" must be a non-empty string');
  if (issues.length > 0) throw new Error(issues.join('; '));
  return { affinity: affinity as RelationshipUpdate['affinity'], reason: reason as string };
}

/** The same shape as a JSON Schema, sent as the response format so providers with structured outputs enforce it. */
export const relationshipUpdateJsonSchema: Record<string, unknown> = {
  type: 'object',
  properties: {
    affinity: { type: 'integer', minimum: -2, maximum: 2 },
    reason: { type: 'string' },
  },
  required: ['affinity', 'reason'],
  additionalProperties: false,
};
