// What adapter packages build on: `createBackend` and the checks every adapter
// runs on its settings. An entry of its own, apart from what applications import
// from the main one (the router, the interface, errors); the two share their
// modules, so a backend's errors and streams are the router's own classes.
export { createBackend, defaultBudgets } from './backend.ts';
export type {
  Backend,
  BackendCall,
  BackendDefaults,
  BackendDefinition,
  BackendEmbedCall,
  EmbedOutput,
  ErrorContext,
  GenerateOutput,
} from './backend.ts';
export { headerProblems, headerValueProblem } from './header-check.ts';
export { toToolCall } from './tool-calls.ts';
export { validateCall, validateEmbed } from './validate.ts';
export type { HeaderProblem } from './header-check.ts';
