import type { FunctionConfig } from '../lib/config.js';

/** The settings import-findings reads: the member role (member-accounts mode) and the endpoint. */
export const IMPORT_CONFIG_KEYS = ['memberRoleName', 'externalId', 'endpointUrl', 'region'] as const;
export type ImportConfig = Pick<FunctionConfig, (typeof IMPORT_CONFIG_KEYS)[number]>;
