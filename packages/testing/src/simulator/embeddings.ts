import { createRandom, hashString } from './random.ts';

/**
 * The deterministic unit vector the simulator returns for `text`: the same text, dimensions and
 * seed always give the same vector. Components are float32 values (what `encoding_format: "base64"`
 * carries), so float and base64 responses decode to identical numbers.
 */
export function simulatedEmbedding(text: string, options: { dimensions?: number; seed?: number } = {}): number[] {
  return Array.from(embeddingVector(text, options.dimensions ?? 384, options.seed ?? 1));
}

/** The same vector as a Float32Array (what the server encodes). */
export function embeddingVector(text: string, dimensions: number, seed: number): Float32Array {
  const random = createRandom(hashString(`${seed}\u0004${text}`));
  const vector = new Float32Array(dimensions);
  let sumOfSquares = 0;
  for (let i = 0; i < dimensions; i++) {
    const component = random() * 2 - 1;
    vector[i] = component;
    sumOfSquares += component * component;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** Little-endian float32 bytes in base64, as OpenAI's `encoding_format: "base64"`. */
export function float32Base64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}
