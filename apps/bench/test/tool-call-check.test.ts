import { describe, expect, it } from 'vitest';
import { ToolCallCheck, type ExpectedToolCall } from '../src/integrity.ts';

const sent: ExpectedToolCall[] = [
  { id: 'call_a', name: 'left', arguments: '{"x":"a\\"b"}' },
  { id: 'call_b', name: 'right', arguments: '{"y":1}' },
];
const pieces: [number, string][] = [
  [0, ''],
  [0, '{"x"'],
  [1, ''],
  [0, ':"a\\'],
  [1, '{"y":'],
  [0, '"b"}'],
  [1, '1}'],
];

/** Feeds one stream of `deltas` and `calls` to a fresh check and returns its counts. */
function check(deltas: readonly [number, string][], calls: readonly ExpectedToolCall[] = sent): ToolCallCheck['counts'] {
  const toolCalls = new ToolCallCheck(sent);
  const reader = toolCalls.begin();
  for (const [index, piece] of deltas) reader.take(index, piece);
  reader.end(calls);
  return toolCalls.counts;
}

describe('the tool-call stream check', () => {
  it('passes interleaved pieces that continue each call where it left off', () => {
    expect(check(pieces)).toEqual({ streams: 1, lost: 0, duplicated: 0, reordered: 0 });
  });

  it('counts a piece received twice as duplicated', () => {
    expect(check([...pieces.slice(0, 4), [0, ':"a\\'], ...pieces.slice(4)])).toMatchObject({ duplicated: 1, reordered: 0, lost: 0 });
  });

  it('counts a piece ahead of its turn as reordered, and the call it leaves short as lost', () => {
    const early = [...pieces.slice(0, 3), pieces[5]!, pieces[3]!, pieces[4]!, pieces[6]!];
    expect(check(early)).toMatchObject({ reordered: 1, lost: 1, duplicated: 0 });
  });

  it('counts a piece for a call that was never sent as reordered', () => {
    expect(check([...pieces, [2, '{}']])).toMatchObject({ reordered: 1, lost: 0 });
  });

  it('counts a missing call and a call assembled wrong', () => {
    expect(check(pieces, [sent[0]!])).toMatchObject({ lost: 1, reordered: 0 });
    expect(check(pieces, [sent[0]!, { ...sent[1]!, id: 'call_x' }])).toMatchObject({ lost: 0, reordered: 1 });
  });
});
