/**
 * The configuration defaults of a run, stated once: the CDK app's context defaults, the functions'
 * environment parsing, the publisher's settings and the CLI flags all read these constants. A leaf
 * module (it imports nothing), so every room may read it.
 */

/**
 * Where the nightly run gets CloudTrail usage evidence. `lookup` keeps incremental ledgers under
 * `state/usage/` filled by LookupEvents, resumed night after night (`ledger` is its former name);
 * `org-trail` fills the same ledgers from the organization trail's log files in S3; `scan` reads
 * the whole window with LookupEvents every night into the snapshot parts.
 */
export const USAGE_SOURCES = ['lookup', 'org-trail', 'ledger', 'scan'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

/** When the run summary goes out: every run, only when findings appeared or went away, or never. */
export const SUMMARY_MODES = ['always', 'on-change', 'never'] as const;

/**
 * Where Security Hub findings go: all into the audit account, each into its member account, or (a
 * deployment setting only) nowhere.
 */
export const SECURITY_HUB_MODES = ['audit-account', 'member-accounts', 'off'] as const;

/** The defaults of every setting that has one. */
export const RUN_DEFAULTS = {
  /** Key of the baseline in the audit bucket. */
  baselineKey: 'baseline.yaml',
  /** The read-only role every member account holds. */
  memberRoleName: 'EksIdentityAuditReadOnly',
  /** The external id the member role requires. */
  externalId: 'eks-identity-audit',
  /** Where usage evidence comes from. */
  usageSource: 'lookup',
  /** When the summary notification goes out. */
  summary: 'always',
  /** New findings at or above this severity raise an alert. */
  alertThreshold: 'HIGH',
  /** Where Security Hub findings are imported. */
  securityHubMode: 'audit-account',
  /** `audit` exits 2 on an unsuppressed finding at or above this severity. */
  failOn: 'HIGH',
  /** Language of the stored reports, the e-mail and the chat notifications. */
  language: 'en',
} as const satisfies {
  usageSource: UsageSource;
  summary: (typeof SUMMARY_MODES)[number];
  securityHubMode: (typeof SECURITY_HUB_MODES)[number];
  [key: string]: string;
};
