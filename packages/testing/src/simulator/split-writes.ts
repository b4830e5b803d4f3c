/**
 * Where to cut bytes for the `split-writes` fault: inside every multi-byte UTF-8 character, right
 * after every `\r` (so `\r\n` arrives in two reads), and every few bytes in between, so events arrive
 * cut inside lines, inside `data:` and inside JSON.
 */
const PLAIN_STRETCH = [3, 7, 5, 11, 2] as const;

export function splitPieces(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  let stretch = 0;
  const cut = (at: number): void => {
    if (at > start && at < bytes.length) {
      pieces.push(bytes.subarray(start, at));
      start = at;
    }
  };
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte >= 0xc0) {
      // Lead byte of a multi-byte character: cut after it, leaving its continuation bytes for later.
      cut(i + 1);
    } else if (byte === 0x0d) {
      cut(i + 1);
    } else if (byte < 0x80 && i - start >= (PLAIN_STRETCH[stretch % PLAIN_STRETCH.length] ?? 4)) {
      stretch += 1;
      cut(i);
    }
  }
  if (start < bytes.length) pieces.push(bytes.subarray(start));
  return pieces;
}
