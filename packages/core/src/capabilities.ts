import { UnsupportedOperationError } from './errors.ts';
import type { BackendCapabilities, BaseCallOptions, CallOptions, Capability, LLMClient, Message, Operation } from './types.ts';

const described: Readonly<Record<Capability, string>> = {
  embeddings: 'embeddings',
  jsonMode: 'JSON mode (options.responseFormat)',
  tools: 'tool calls (options.tools)',
  images: 'images in messages',
  reasoning: 'reasoning settings (options.reasoning)',
};

const none: readonly Capability[] = [];

/** The capabilities a call needs beyond plain text, in a fixed order (so the list can key a cache). */
export function neededCapabilities(operation: Operation, options: BaseCallOptions, messages?: readonly Message[]): readonly Capability[] {
  if (operation === 'embed') return ['embeddings'];
  const call = options as CallOptions;
  const format = call.responseFormat;
  const json = format !== undefined && format.type !== 'text';
  const tools = call.tools !== undefined && call.tools.length > 0;
  const images = messages !== undefined && hasImage(messages);
  if (!json && !tools && !images && call.reasoning === undefined) return none;
  const needed: Capability[] = [];
  if (json) needed.push('jsonMode');
  if (tools) needed.push('tools');
  if (images) needed.push('images');
  if (call.reasoning !== undefined) needed.push('reasoning');
  return needed;
}

function hasImage(messages: readonly Message[]): boolean {
  for (const message of messages) {
    if (typeof message.content !== 'string' && message.content.some((part) => part.type === 'image')) return true;
  }
  return false;
}

/** What a client declares, when it is a backend that declares anything (routers and custom clients don't). */
export function declaredCapabilities(client: LLMClient): Partial<BackendCapabilities> | undefined {
  return (client as { capabilities?: Partial<BackendCapabilities> }).capabilities;
}

/** The first of `needed` that `client` declares it lacks (undeclared means it may have it). */
export function lacking(client: LLMClient, needed: readonly Capability[]): Capability | undefined {
  if (needed.length === 0) return undefined;
  const declared = declaredCapabilities(client);
  return declared && needed.find((capability) => declared[capability] === false);
}

export function capabilityError(capability: Capability, context: { backend: string; model: string }): UnsupportedOperationError {
  return new UnsupportedOperationError(described[capability], {
    ...context,
    capability,
    hint: `Its capabilities say ${capability}: false; route this call to a backend that has it.`,
  });
}
