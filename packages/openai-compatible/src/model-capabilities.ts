import { UnsupportedOperationError } from '@router/core';
import type { BackendCall, BackendCapabilities, Capability } from '@router/core';

/** The capabilities a model can lack on a server that has them for other models. */
export type ModelCapabilities = Partial<Pick<BackendCapabilities, 'tools' | 'images' | 'reasoning'>>;

const described: Readonly<Record<keyof ModelCapabilities, string>> = {
  tools: 'tool calls (options.tools)',
  images: 'images in messages',
  reasoning: 'reasoning settings (options.reasoning)',
};

function needs(capability: keyof ModelCapabilities, { messages, options }: BackendCall): boolean {
  switch (capability) {
    case 'tools':
      return options.tools !== undefined && options.tools.length > 0;
    case 'reasoning':
      return options.reasoning !== undefined;
    case 'images':
      return messages.some((message) => typeof message.content !== 'string' && message.content.some((part) => part.type === 'image'));
  }
}

/**
 * Refuses, before the network, a call that needs what its model lacks (a server whose
 * models differ, such as Featherless for tools). Core has already refused what the whole
 * backend lacks; this narrows it per model.
 */
export function refuseForModel(call: BackendCall, backend: string, lacks: ModelCapabilities | undefined): void {
  if (lacks === undefined) return;
  for (const capability of Object.keys(described) as (keyof ModelCapabilities)[]) {
    if (lacks[capability] !== false || !needs(capability, call)) continue;
    const { model } = call.options;
    throw new UnsupportedOperationError(`${described[capability]} with model ${model}`, {
      backend,
      model,
      capability: capability satisfies Capability,
      hint: `The backend's settings say this model has ${capability}: false; use a model that has it, or correct the settings.`,
    });
  }
}
