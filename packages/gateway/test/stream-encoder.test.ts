import type { StreamPart } from '@router/core';
import { describe, expect, it } from 'vitest';
import { ChunkWriter } from '../src/chat-response.ts';
import { StreamEncoder } from '../src/stream-encoder.ts';

/** The deltas the encoder sends for these parts, as clients parse them. */
function deltas(parts: (string | StreamPart)[]): Record<string, unknown>[] {
  const encoder = new StreamEncoder(new ChunkWriter('chatcmpl-1', 'm', 0));
  const events = parts.map((part) => encoder.encode(part)).join('') + encoder.close();
  return events
    .split('\n\n')
    .filter(Boolean)
    .map((event) => (JSON.parse(event.slice('data: '.length)) as { choices: { delta: Record<string, unknown> }[] }).choices[0]!.delta);
}

describe('StreamEncoder', () => {
  it('numbers tool calls 0, 1 in the order they open, whatever indexes the backend used', () => {
    expect(
      deltas([
        { type: 'tool-call-start', index: 7, id: 'a', name: 'f' },
        { type: 'tool-call-start', index: 3, id: 'b', name: 'g' },
        { type: 'tool-call-delta', index: 3, argumentsDelta: '{}' },
        { type: 'tool-call-delta', index: 7, argumentsDelta: '{"x":1}' },
      ]),
    ).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] },
    ]);
  });

  it('holds argument pieces that come before their call opens, and does not open a call twice', () => {
    expect(
      deltas([
        'Let me look. ',
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":' },
        { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
        { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '2}' },
        { type: 'tool-call', index: 0, toolCall: { id: 'a', name: 'f', arguments: '{"q":2}', input: { q: 2 } } },
        { type: 'finish', finishReason: 'tool-calls' },
      ]),
    ).toEqual([
      { role: 'assistant', content: 'Let me look. ' },
      { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '2}' } }] },
    ]);
  });

  it('sends a call that arrives only whole as its first delta and one piece', () => {
    expect(deltas([{ type: 'tool-call', index: 0, toolCall: { id: 'a', name: 'f', arguments: '{}' } }])).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
    ]);
  });

  it('opens with the role on reasoning, and sends a role-only event for a stream with nothing in it', () => {
    expect(deltas([{ type: 'reasoning', text: 'hm' }, 'ok'])).toEqual([{ role: 'assistant', reasoning_content: 'hm' }, { content: 'ok' }]);
    expect(deltas([])).toEqual([{ role: 'assistant', content: '' }]);
  });
});
