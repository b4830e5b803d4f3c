import { describe, expect, it } from 'vitest';
import { headerProblems, headerValueProblem } from '../src/adapter.ts';

describe('headerProblems', () => {
  it('accepts absent headers and plain header objects', () => {
    expect(headerProblems(undefined)).toEqual([]);
    expect(headerProblems({ 'X-Team': 'story', 'HTTP-Referer': 'https://tavern.example/café', Tab: 'a\tb', Empty: '' })).toEqual([]);
  });

  it('names each bad header by the field it came from', () => {
    expect(
      headerProblems(
        { 'X-Break': 'a\r\nX-Injected: 1', 'X-Emoji': '🙂', 'X-Number': 7, 'Bad Name': 'v', 'X-Nul': 'a\0b' },
        'settings.headers',
      ),
    ).toEqual([
      { field: 'settings.headers["X-Break"]', problem: expect.stringContaining('line break') },
      { field: 'settings.headers["X-Emoji"]', problem: expect.stringContaining('Latin-1') },
      { field: 'settings.headers["X-Number"]', problem: 'must be a string (got number).' },
      { field: 'settings.headers["Bad Name"]', problem: expect.stringContaining('not a valid header name') },
      { field: 'settings.headers["X-Nul"]', problem: expect.stringContaining('control character') },
    ]);
  });

  it('refuses anything but an object', () => {
    for (const headers of [null, 'X-Team: story', [['X-Team', 'story']]]) {
      expect(headerProblems(headers)).toEqual([{ field: 'headers', problem: 'must be an object of header names to string values.' }]);
    }
  });
});

describe('headerValueProblem', () => {
  it('passes what fetch can send and explains what it cannot', () => {
    expect(headerValueProblem('Tavern Tales')).toBeUndefined();
    expect(headerValueProblem('Tavern\nTales')).toContain('line break');
    expect(headerValueProblem(undefined)).toBe('must be a string (got undefined).');
  });
});
