/** "7B", "1.5b", "8x7B" (experts × size), bounded so "A3B" or "v2b" are not read as sizes. */
const sizePattern = /(?:^|[^a-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)b(?![a-z0-9])/gi;

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
 * Featherless plan units per request by model size: up to 15B costs 1,
 * up to 34B costs 2, larger models 4. An id without a size costs 1.
 */
export function unitsForModel(model: string): number {
  const billions = parameterBillions(model);
  if (billions === undefined || billions <= 15) return 1;
  return billions <= 34 ? 2 : 4;
}
