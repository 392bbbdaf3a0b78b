import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../../shared/baseline/index.js';
import { LEDGER_PREFIX } from '../../shared/bucket.js';
import { MAX_CLOUDTRAIL_DAYS } from '../../shared/collect/index.js';
import {
  RUN_DEFAULTS,
  SECURITY_HUB_MODES,
  SUMMARY_MODES,
  USAGE_SOURCES,
  type UsageSource,
} from '../../shared/defaults.js';
import { InputError } from '../../shared/errors.js';
import { LANGUAGES, type Language } from '../../shared/i18n/language.js';
import { SNS_TOPIC_ARN_PATTERN } from '../../shared/model/identity.js';

/** True when usage evidence lives in the ledgers (every source but `scan`). */
export function readsLedgers(source: UsageSource): boolean {
  return source !== 'scan';
}

/** True when collect-account fills the ledgers with LookupEvents (`lookup`, or its former name `ledger`). */
export function looksUpLedgers(source: UsageSource): boolean {
  return source === 'lookup' || source === 'ledger';
}

/**
 * Key prefix of run-to-run state in the audit bucket; the usage ledgers live under
 * `state/usage/ACCOUNT/REGION/ledger.json`. Nothing under it expires: a lost ledger costs a 90-day
 * backfill and a night of unknown usage.
 */
export { LEDGER_PREFIX, USAGE_SOURCES, type UsageSource };

/** Environment variable names the CDK app sets and the functions read. */
export const ENV = {
  bucket: 'AUDIT_BUCKET',
  baselineKey: 'BASELINE_KEY',
  topicArn: 'TOPIC_ARN',
  memberRoleName: 'MEMBER_ROLE_NAME',
  externalId: 'EXTERNAL_ID',
  windowDays: 'WINDOW_DAYS',
  regions: 'AUDIT_REGIONS',
  accounts: 'AUDIT_ACCOUNTS',
  securityHubMode: 'SECURITY_HUB_MODE',
  summary: 'SUMMARY',
  alertThreshold: 'ALERT_THRESHOLD',
  usageSource: 'USAGE_SOURCE',
  language: 'REPORT_LANGUAGE',
  orgTrailBucket: 'ORG_TRAIL_BUCKET',
  orgTrailPrefix: 'ORG_TRAIL_PREFIX',
  organizationId: 'ORGANIZATION_ID',
  organization: 'AUDIT_ORGANIZATION',
  endpointUrl: 'AWS_ENDPOINT_URL',
  region: 'AWS_REGION',
} as const;

/** Which settings a function needs; each is checked at cold start so a missing one fails loudly and early. */
export type ConfigKey = keyof typeof ENV;

const list = (item: z.ZodString) =>
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item));

const FIELD_SCHEMAS = {
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  baselineKey: z.string().min(1, 'must not be empty').max(1024),
  topicArn: z.string().regex(SNS_TOPIC_ARN_PATTERN, 'must be an SNS topic ARN'),
  memberRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'),
  externalId: z.string().min(2, 'must be 2 to 1224 characters').max(1224, 'must be 2 to 1224 characters'),
  windowDays: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(1, `must be from 1 to ${MAX_CLOUDTRAIL_DAYS}`)
    .max(MAX_CLOUDTRAIL_DAYS, `must be from 1 to ${MAX_CLOUDTRAIL_DAYS}`),
  regions: list(z.string().regex(REGION_PATTERN, 'must list region names such as eu-west-1')),
  accounts: list(z.string().regex(ACCOUNT_ID_PATTERN, 'must list 12-digit account ids')),
  securityHubMode: z.enum(SECURITY_HUB_MODES),
  summary: z.enum(SUMMARY_MODES),
  alertThreshold: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']),
  usageSource: z.enum(USAGE_SOURCES),
  language: z.enum(LANGUAGES),
  orgTrailBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  orgTrailPrefix: z.string().max(1024),
  organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as o-a1b2c3d4e5'),
  organization: list(
    z
      .string()
      .regex(
        /^(all|r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
        'must be all, or OU ids (ou-xxxx-xxxxxxxx) separated by commas',
      ),
  ),
  endpointUrl: z.url('must be a URL'),
  region: z.string().regex(REGION_PATTERN, 'must be a region name'),
} satisfies Record<ConfigKey, z.ZodType>;

/** Defaults for settings that may be left unset. */
const DEFAULTS: Partial<Record<ConfigKey, string>> = {
  windowDays: String(MAX_CLOUDTRAIL_DAYS),
  accounts: '',
  securityHubMode: RUN_DEFAULTS.securityHubMode,
  summary: RUN_DEFAULTS.summary,
  alertThreshold: RUN_DEFAULTS.alertThreshold,
  usageSource: RUN_DEFAULTS.usageSource,
  language: RUN_DEFAULTS.language,
  orgTrailPrefix: '',
  organization: '',
};

/** Every setting, typed. */
export interface FunctionConfig {
  bucket: string;
  baselineKey: string;
  topicArn: string;
  memberRoleName: string;
  externalId: string;
  windowDays: number;
  regions: string[];
  accounts: string[];
  securityHubMode: 'audit-account' | 'member-accounts' | 'off';
  summary: 'always' | 'on-change' | 'never';
  alertThreshold: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
  /** Where usage evidence comes from: the incremental ledgers in the bucket, or a full window scan. */
  usageSource: UsageSource;
  /** Language of the stored reports and the notifications. */
  language?: Language;
  /** `org-trail`: the bucket the organization trail delivers to, its key prefix ('' for none) and the organization id. */
  orgTrailBucket?: string;
  orgTrailPrefix: string;
  organizationId?: string;
  /**
   * Account discovery through AWS Organizations: empty for none, `['all']` for the whole
   * organization, or OU ids (their child OUs included).
   */
  organization?: string[];
  /** Set only when every AWS call goes to one endpoint (the local sandbox). */
  endpointUrl?: string;
  region: string;
}

/** Settings only the organization-trail usage source needs: required when USAGE_SOURCE is org-trail. */
const ORG_TRAIL_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(['orgTrailBucket', 'organizationId']);

/**
 * Reads and validates the settings a function needs from its environment. Optional settings
 * (`endpointUrl`, the ones with defaults, and the organization trail's unless USAGE_SOURCE is
 * `org-trail`) may be absent; every other requested key is required.
 *
 * @throws InputError listing every missing or invalid variable, e.g. `AUDIT_BUCKET is required`.
 * @example const config = loadConfig(process.env, ['bucket', 'baselineKey', 'region']);
 */
export function loadConfig<K extends ConfigKey>(
  env: Readonly<Record<string, string | undefined>>,
  keys: readonly K[],
): Pick<FunctionConfig, K> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const readsOrgTrail = (env[ENV.usageSource] || DEFAULTS.usageSource) === 'org-trail';
  for (const key of keys) {
    const name = ENV[key];
    const raw = env[name] === undefined || env[name] === '' ? DEFAULTS[key] : env[name];
    if (raw === undefined) {
      if (key !== 'endpointUrl' && (!ORG_TRAIL_KEYS.has(key) || readsOrgTrail))
        problems.push(`${name} is required`);
      continue;
    }
    const parsed = FIELD_SCHEMAS[key].safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'} (got "${raw}")`);
  }
  if (problems.length > 0) {
    throw new InputError(`invalid function configuration: ${problems.join('; ')}`, problems);
  }
  return values as Pick<FunctionConfig, K>;
}
