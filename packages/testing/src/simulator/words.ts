import { pickIndex, type Random } from './random.ts';

// Plain words, and words with multi-byte UTF-8 characters (2, 3 and 4 bytes) so that writes split
// at arbitrary byte offsets really cut characters in two.
const PLAIN_WORDS = [
  'the', 'router', 'streams', 'tokens', 'over', 'loopback', 'and', 'a', 'simulated', 'model',
  'answers', 'each', 'request', 'with', 'steady', 'words', 'from', 'its', 'seed', 'so', 'every',
  'test', 'sees', 'same', 'reply', 'on', 'machine', 'while', 'backends', 'fail', 'in', 'useful', 'ways',
] as const;
const MULTIBYTE_WORDS = [
  'café', 'naïve', '—', '🙂', 'über', 'façade', 'crème', 'jalapeño', 'Zürich', 'déjà', 'smörgåsbord',
  '日本語', 'señor', 'piñata', '½', '→', 'Ωmega', '🚀',
] as const;

/** A word from the generator's vocabulary; every fourth one (from the second) is multi-byte. */
export function randomWord(random: Random, position: number): string {
  const list = position % 4 === 1 ? MULTIBYTE_WORDS : PLAIN_WORDS;
  return list[pickIndex(random, list.length)] ?? 'word';
}

/** `count` generated words joined by single spaces. */
export function randomPhrase(random: Random, count: number): string {
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(randomWord(random, i));
  return words.join(' ');
}
