export { apiErrorOf, startTestApi } from './api.js';
export type { TestApi } from './api.js';
export { agentDraft, bindingDraft, ipClaimDraft, macClaimDraft, networkDraft, portDraft, sequenced } from './events.js';
export type { EventDraft } from './events.js';
