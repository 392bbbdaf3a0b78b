import type { FunctionConfig } from '../lib/config.js';

/** The settings analyze-publish reads (both its paths: a planned run and a rejected one). */
export const ANALYZE_CONFIG_KEYS = [
  'bucket',
  'topicArn',
  'memberRoleName',
  'externalId',
  'securityHubMode',
  'summary',
  'alertThreshold',
  'usageSource',
  'language',
  'endpointUrl',
  'region',
] as const;
export type AnalyzeConfig = Pick<FunctionConfig, (typeof ANALYZE_CONFIG_KEYS)[number]>;
