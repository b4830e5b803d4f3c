export { createFeatherlessBackend } from './backend.ts';
export type { FeatherlessBackend, FeatherlessPlan } from './backend.ts';
export { defaultAbortGraceMs, defaultBaseURL, defaultCapabilities, defaultPlanUnits } from './settings.ts';
export type { FeatherlessCallOptions, FeatherlessExtraBody, FeatherlessModelId, FeatherlessSettings } from './settings.ts';
export { parameterBillions, unitsForModel } from './units.ts';
