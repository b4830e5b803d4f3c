import type { ViteUserConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@router/source`
// export condition), so tests never run against a stale build.
const conditions = ['@router/source', 'module', 'node', 'development|production'];

export const sourceResolution: Pick<ViteUserConfig, 'resolve' | 'ssr'> = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@router/source'] } },
};
