import { UnsupportedOperationError } from './errors.ts';
import type { BackendCapabilities, BaseCallOptions, CallOptions, Capability, LLMClient, Operation } from './types.ts';

const described: Readonly<Record<Capability, string>> = {
  embeddings: 'embeddings',
  jsonMode: 'JSON mode (options.responseFormat)',
};

/** The capability a call needs beyond plain text, if any. */
export function neededCapability(operation: Operation, options: BaseCallOptions): Capability | undefined {
  if (operation === 'embed') return 'embeddings';
  const format = (options as CallOptions).responseFormat;
  return format !== undefined && format.type !== 'text' ? 'jsonMode' : undefined;
}

/** What a client declares, when it is a backend that declares anything (routers and custom clients don't). */
export function declaredCapabilities(client: LLMClient): Partial<BackendCapabilities> | undefined {
  return (client as { capabilities?: Partial<BackendCapabilities> }).capabilities;
}

/** Whether `client` declares that it lacks `capability` (undeclared means it may have it). */
export function lacks(client: LLMClient, capability: Capability | undefined): boolean {
  return capability !== undefined && declaredCapabilities(client)?.[capability] === false;
}

export function capabilityError(capability: Capability, context: { backend: string; model: string }): UnsupportedOperationError {
  return new UnsupportedOperationError(described[capability], {
    ...context,
    capability,
    hint: `Its capabilities say ${capability}: false; route this call to a backend that has it.`,
  });
}
