import { jaChecks } from './ja-checks.js';
import { jaFindingMessages, jaFindingRemediations } from './ja-findings.js';
import { jaMessages } from './ja-messages.js';
import type { Translation } from './types.js';

/**
 * Japanese: the renderers' text, the check catalogue (titles, descriptions, remediation), and
 * finding messages built from each finding's facts. Identifiers, resource names, ARNs, severities
 * and commands stay as they are.
 */
export const ja: Translation = {
  messages: jaMessages,
  checks: jaChecks,
  findingMessages: jaFindingMessages,
  findingRemediations: jaFindingRemediations,
};
