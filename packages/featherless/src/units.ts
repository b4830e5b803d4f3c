/** "7B", "1.5b", "8x7B" (experts × size), bounded so "A3B" or "v2b" are not read as sizes. */
const sizePattern = /(?:^|[^a-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)b(?![a-z0-9])/gi;
/** The largest families, whose ids name no size (DeepSeek V3/R1 at 671B, Kimi K2 at 1T). */
const largestFamilies = /deepseek-(?:v3|r1)|kimi-k2/i;

/** The parameter count in billions written in a model id, or undefined when it names none. */
export function parameterBillions(model: string): number | undefined {
  let largest: number | undefined;
  for (const match of model.matchAll(sizePattern)) {
    const size = Number(match[1] ?? 1) * Number(match[2]);
    if (largest === undefined || size > largest) largest = size;
  }
  return largest;
}

/**
 * Featherless plan units per request by model size: up to 15B costs 1, up
 * to 34B costs 2, larger models 4. A size written in the id wins (so a 7B
 * distill of DeepSeek-R1 costs 1); the largest families cost 4; any other id
 * without a size costs 1.
 */
export function unitsForModel(model: string): number {
  const billions = parameterBillions(model);
  if (billions === undefined) return largestFamilies.test(model) ? 4 : 1;
  if (billions <= 15) return 1;
  return billions <= 34 ? 2 : 4;
}
