/**
 * One way of calling a model: the SDK directly, or a router through the
 * adapter built on that SDK. Both sides do the same work per call (send the
 * request, read the text) so that what differs between them is the router.
 */
export interface Target {
  label: string;
  /** One non-streaming call; resolves with the reply text. */
  generate(model: string): Promise<string>;
  /** One streamed call; `onText` gets each text chunk as it arrives. */
  stream(model: string, onText: (text: string) => void): Promise<void>;
}


/** A tool call as a side assembled it from the stream. */
export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
  /** `arguments` parsed. */
  input?: unknown;
}

/**
 * One way of calling a model that streams tool calls (the `openai` SDK
 * directly, or a router's parts view): both sides offer the same tools, read
 * every tool-call delta, and assemble the calls by index.
 */
export interface ToolTarget {
  label: string;
  /**
   * One streamed call offering the bench's tools. `onDelta` gets each
   * tool-call delta as it arrives: its call's index and its piece of the
   * arguments (`''` for the delta that opens a call with its id and name).
   * Resolves with the calls, their arguments parsed.
   */
  streamToolCalls(model: string, onDelta: (index: number, argumentsPiece: string) => void): Promise<AssembledToolCall[]>;
}
