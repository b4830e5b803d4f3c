import { replyTokens, type BenchModel } from './simulator/models.ts';

/** Chunks that did not arrive as sent, over every stream checked. */
export interface IntegrityCounts {
  streams: number;
  /** Chunks that never arrived. */
  lost: number;
  /** Chunks that arrived more than once. */
  duplicated: number;
  /** Chunks that arrived after a later one, or text that was never sent. */
  reordered: number;
}

const tokenIndex = (text: string): number | undefined => {
  const match = /^w(\d+) ?$/.exec(text);
  return match ? Number(match[1]) : undefined;
};

/**
 * Checks every stream of one model against the reply the simulator sends.
 * The common case (each chunk the next expected word) costs one comparison;
 * only a stream that goes wrong pays for working out how.
 */
export class IntegrityCheck {
  readonly counts: IntegrityCounts = { streams: 0, lost: 0, duplicated: 0, reordered: 0 };
  readonly #tokens: readonly string[];

  constructor(model: BenchModel) {
    this.#tokens = replyTokens(model.chunks);
  }

  /** Starts checking one stream: feed it each chunk, then call `end`. */
  begin(): { take(text: string): void; end(): void } {
    const tokens = this.#tokens;
    const counts = this.counts;
    let next = 0;
    /** Which words arrived; only kept once the stream has gone wrong. */
    let seen: Uint8Array | undefined;
    let highest = -1;
    const slowPath = (text: string): void => {
      if (!seen) {
        seen = new Uint8Array(tokens.length);
        seen.fill(1, 0, next);
        highest = next - 1;
      }
      const index = tokenIndex(text);
      if (index === undefined || index >= tokens.length || tokens[index] !== text) counts.reordered++;
      else if (seen[index]) counts.duplicated++;
      else {
        seen[index] = 1;
        if (index < highest) counts.reordered++;
        highest = Math.max(highest, index);
      }
    };
    return {
      take(text) {
        if (!seen && text === tokens[next]) next++;
        else slowPath(text);
      },
      end() {
        counts.streams++;
        counts.lost += seen ? seen.length - seen.reduce((sum, bit) => sum + bit, 0) : tokens.length - next;
      },
    };
  }

  /** Checks a whole (non-streamed) reply. */
  checkText(text: string): void {
    const reader = this.begin();
    for (const token of text.match(/\S+\s*/g) ?? []) reader.take(token);
    reader.end();
  }
}

/** A tool call as the simulator makes it. */
export interface ExpectedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Checks every tool-call stream against the calls the simulator makes: each
 * argument piece must continue its call's arguments exactly where the last
 * piece left off, and the calls a side assembled must be the ones sent. A
 * piece that repeats text already received counts as duplicated; any other
 * piece that does not fit (out of order, for no call, never sent) as
 * reordered; a call whose arguments end short counts one lost chunk, as does
 * a call that is missing, and an assembled call that differs from the one
 * sent counts as reordered.
 */
export class ToolCallCheck {
  readonly counts: IntegrityCounts = { streams: 0, lost: 0, duplicated: 0, reordered: 0 };
  readonly #expected: readonly ExpectedToolCall[];

  constructor(expected: readonly ExpectedToolCall[]) {
    this.#expected = expected;
  }

  /** Starts checking one stream: feed it each delta, then the calls assembled. */
  begin(): { take(index: number, piece: string): void; end(calls: readonly ExpectedToolCall[]): void } {
    const expected = this.#expected;
    const counts = this.counts;
    const received = expected.map(() => 0);
    return {
      take(index, piece) {
        const text = expected[index]?.arguments;
        const at = received[index] ?? 0;
        if (text !== undefined && text.startsWith(piece, at)) received[index] = at + piece.length;
        else if (text !== undefined && at >= piece.length && text.lastIndexOf(piece, at - piece.length) >= 0) counts.duplicated++;
        else counts.reordered++;
      },
      end(calls) {
        counts.streams++;
        expected.forEach((call, index) => {
          if ((received[index] ?? 0) < call.arguments.length) counts.lost++;
          const assembled = calls[index];
          if (!assembled) counts.lost++;
          else if (assembled.id !== call.id || assembled.name !== call.name || assembled.arguments !== call.arguments) counts.reordered++;
        });
        if (calls.length > expected.length) counts.reordered += calls.length - expected.length;
      },
    };
  }
}
