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

