import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../shared/errors.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../shared/model/identity.js';
import { AWS_MANAGED_POLICIES } from './managed-policies.js';

/**
 * A date in a scenario: an ISO-8601 date or time, or `Nd` for N days before the sandbox's "now"
 * (so a scenario stays realistic whenever it is loaded).
 */
const RelativeDateSchema = z
  .string()
  .refine((text) => /^\d+d$/.test(text) || !Number.isNaN(Date.parse(text)), {
    message: 'expected an ISO-8601 date or "<days>d" (days ago)',
  });

const PolicyDocumentSchema = z.record(z.string(), z.unknown());
const TagsSchema = z.record(z.string(), z.string());
const AccountIdSchema = z.string().regex(ACCOUNT_ID_PATTERN, 'expected a 12-digit account id');
const NameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM name ([\\w+=,.@-], 1–64 characters)');

const RoleSchema = z
  .object({
    name: NameSchema,
    /** The role's unique id (`AROA…`); default derived from its ARN. */
    roleId: z
      .string()
      .regex(/^AROA[A-Z0-9]{17}$/, 'expected AROA and 17 upper-case letters or digits')
      .optional(),
    path: z
      .string()
      .regex(/^\/(.+\/)?$/, 'expected a path that starts and ends with "/"')
      .default('/'),
    description: z.string().optional(),
    /** The trust (assume-role) policy as a YAML object. */
    trust: PolicyDocumentSchema,
    inlinePolicies: z.record(z.string(), PolicyDocumentSchema).default({}),
    /** Managed policy ARNs, or names: a customer managed policy of the account, else an AWS managed one. */
    managedPolicies: z.array(z.string()).default([]),
    tags: TagsSchema.default({}),
    createDate: RelativeDateSchema.default('400d'),
    lastUsed: z.object({ date: RelativeDateSchema, region: z.string() }).strict().optional(),
    maxSessionDuration: z.number().int().min(3600).max(43200).default(3600),
    permissionsBoundary: z.string().optional(),
    /** Node roles carry an instance profile of the same name. */
    instanceProfile: z.boolean().default(false),
  })
  .strict();

const ManagedPolicySchema = z
  .object({
    name: NameSchema,
    /** The policy's unique id (`ANPA…`); default derived from its ARN. */
    policyId: z
      .string()
      .regex(/^ANPA[A-Z0-9]{17}$/, 'expected ANPA and 17 upper-case letters or digits')
      .optional(),
    path: z.string().default('/'),
    description: z.string().optional(),
    document: PolicyDocumentSchema,
    createDate: RelativeDateSchema.default('400d'),
  })
  .strict();

const OidcProviderSchema = z
  .object({
    /** Issuer host path, without `https://` (what IAM stores as the provider Url). */
    url: z.string().regex(/^[^:/]+(\/.*)?$/, 'expected the issuer without https://'),
    clientIds: z.array(z.string()).default(['sts.amazonaws.com']),
    thumbprints: z
      .array(z.string().regex(/^[0-9a-f]{40}$/))
      .default(['9e99a48a9960b14926bb7f3b02e22da2b0ab7280']),
    tags: TagsSchema.default({}),
    createDate: RelativeDateSchema.default('400d'),
  })
  .strict();

/** A role reference: a role name in the same account or a full role ARN. */
const RoleRefSchema = z.string().min(1);

/** An EKS Pod Identity association id: `a-` and 17 lower-case letters or digits. */
const AssociationIdSchema = z
  .string()
  .regex(/^a-[a-z0-9]{17}$/, 'expected a- and 17 lower-case letters or digits');

const AssociationFields = {
  /** The association id; default derived from the cluster, namespace and service account. */
  id: AssociationIdSchema.optional(),
  namespace: z.string().min(1),
  serviceAccount: z.string().min(1),
  role: RoleRefSchema,
  targetRole: RoleRefSchema.optional(),
  /** With a target role: the external id EKS passes; default `REGION/ACCOUNT/CLUSTER/NAMESPACE/SA`. */
  externalId: z.string().min(2).optional(),
  disableSessionTags: z.boolean().default(false),
  tags: TagsSchema.default({}),
  modifiedAt: RelativeDateSchema.optional(),
};

const AssociationSchema = z
  .object({ ...AssociationFields, createdAt: RelativeDateSchema.default('200d') })
  .strict();

const AddonSchema = z
  .object({
    name: z.string().min(1),
    /** The add-on's ARN; default derived from the cluster and the add-on's name. */
    arn: z.string().startsWith('arn:aws:eks:').optional(),
    version: z.string().min(1),
    serviceAccountRole: RoleRefSchema.optional(),
    /** Associations the add-on creates and owns (created with the add-on unless `createdAt` says otherwise). */
    podIdentityAssociations: z
      .array(z.object({ ...AssociationFields, createdAt: RelativeDateSchema.optional() }).strict())
      .default([]),
    createdAt: RelativeDateSchema.default('200d'),
  })
  .strict();

const NodegroupSchema = z
  .object({
    name: z.string().min(1),
    /** The node group's ARN; default derived from the cluster and the node group's name. */
    arn: z.string().startsWith('arn:aws:eks:').optional(),
    nodeRole: RoleRefSchema,
    amiType: z.string().default('AL2023_x86_64_STANDARD'),
    instanceTypes: z.array(z.string()).default(['m6i.large']),
    capacityType: z.enum(['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK']).default('ON_DEMAND'),
    desiredSize: z.number().int().min(0).default(2),
    createdAt: RelativeDateSchema.default('200d'),
  })
  .strict();

const FargateProfileSchema = z
  .object({
    name: z.string().min(1),
    /** The profile's ARN; default derived from the cluster and the profile's name. */
    arn: z.string().startsWith('arn:aws:eks:').optional(),
    podExecutionRole: RoleRefSchema,
    selectors: z
      .array(z.object({ namespace: z.string().min(1), labels: TagsSchema.optional() }).strict())
      .min(1),
    createdAt: RelativeDateSchema.default('200d'),
  })
  .strict();

const ClusterSchema = z
  .object({
    name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'expected an EKS cluster name'),
    version: z.string().default('1.31'),
    /** The OIDC issuer id (`https://oidc.eks.R.amazonaws.com/id/<oidcId>`). */
    oidcId: z.string().regex(/^[0-9A-F]{32}$/, 'expected 32 upper-case hex characters'),
    /** EKS Auto Mode (`computeConfig.enabled`): the Pod Identity agent is built in. */
    autoMode: z.boolean().default(false),
    /** Auto Mode node role. */
    nodeRole: RoleRefSchema.optional(),
    /** Cluster service role. */
    serviceRole: RoleRefSchema.optional(),
    status: z.enum(['CREATING', 'ACTIVE', 'DELETING', 'FAILED', 'UPDATING', 'PENDING']).default('ACTIVE'),
    platformVersion: z.string().default('eks.12'),
    tags: TagsSchema.default({}),
    createdAt: RelativeDateSchema.default('300d'),
    associations: z.array(AssociationSchema).default([]),
    addons: z.array(AddonSchema).default([]),
    nodegroups: z.array(NodegroupSchema).default([]),
    fargateProfiles: z.array(FargateProfileSchema).default([]),
  })
  .strict();

/** Generated CloudTrail history for one workload identity. */
const UsageSchema = z
  .object({
    cluster: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    via: z.enum(['pod-identity', 'irsa']),
    /** IRSA: the role the workload assumes (Pod Identity takes it from the association). */
    role: RoleRefSchema.optional(),
    /** Sessions per day; below 1 means one every 1/perDay days. */
    perDay: z.number().positive().max(48),
    lastDaysAgo: z.number().int().min(0).max(400),
    firstDaysAgo: z.number().int().min(0).max(400).default(90),
  })
  .strict();

/** Generated `AssumeRoleForPodIdentity` AccessDenied failures from a cluster's nodes. */
const DeniedAttemptsSchema = z
  .object({
    cluster: z.string(),
    /** Node group whose role calls EKS Auth; defaults to the first (or the Auto Mode node role). */
    node: z.string().optional(),
    perDay: z.number().positive().max(48),
    lastDaysAgo: z.number().int().min(0).max(400),
    firstDaysAgo: z.number().int().min(0).max(400).default(30),
  })
  .strict();

/**
 * A CloudTrail event as `LookupEvents` returns it, with its absolute time: history written out
 * record by record (as a snapshot holds it) rather than generated from `usage`.
 */
const LookupEventSchema = z
  .object({
    EventId: z.string().min(1),
    EventName: z.string().min(1),
    ReadOnly: z.string().optional(),
    AccessKeyId: z.string().optional(),
    EventTime: z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time with a time zone' }),
    EventSource: z.string().min(1),
    Username: z.string().optional(),
    Resources: z.array(z.object({ ResourceType: z.string(), ResourceName: z.string() }).strict()).default([]),
    /** The record as JSON text. */
    CloudTrailEvent: z.string(),
  })
  .strict();

const RegionSchema = z
  .object({
    clusters: z.array(ClusterSchema).default([]),
    /** CloudTrail events logged in the account-region, besides those `usage` and `deniedAttempts` generate. */
    events: z.array(LookupEventSchema).default([]),
    usage: z.array(UsageSchema).default([]),
    deniedAttempts: z.array(DeniedAttemptsSchema).default([]),
    /** SNS topic names that exist before the run. */
    topics: z.array(z.string().regex(/^[\w-]{1,256}$/)).default([]),
  })
  .strict();

const AccountSchema = z
  .object({
    id: AccountIdSchema,
    alias: z.string().min(1),
    roles: z.array(RoleSchema).default([]),
    policies: z.array(ManagedPolicySchema).default([]),
    oidcProviders: z.array(OidcProviderSchema).default([]),
    regions: z.record(z.string().regex(REGION_PATTERN, 'expected a region name'), RegionSchema).default({}),
  })
  .strict();

const BucketSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    account: AccountIdSchema,
    region: z.string().default('us-east-1'),
    versioned: z.boolean().default(false),
    objects: z
      .array(
        z
          .object({
            key: z.string().min(1),
            /** A file beside the scenario (read when the scenario is loaded). */
            file: z.string().optional(),
            body: z.string().optional(),
            contentType: z.string().optional(),
          })
          .strict()
          .refine((object) => (object.file === undefined) !== (object.body === undefined), {
            message: 'give exactly one of file or body',
          }),
      )
      .default([]),
  })
  .strict();

const FaultRuleSchema = z
  .object({
    account: z.string().optional(),
    targetAccount: z.string().optional(),
    service: z.string().optional(),
    operation: z.string().optional(),
    region: z.string().optional(),
    keyPrefix: z.string().optional(),
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    throttle: z
      .object({
        probability: z.number().min(0).max(1).optional(),
        firstCalls: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    rateLimit: z
      .object({
        rps: z.number().positive(),
        burst: z.number().int().min(1).optional(),
        perOperation: z.boolean().optional(),
      })
      .strict()
      .optional(),
    error: z
      .object({
        status: z.number().int().min(400).max(599).optional(),
        code: z.string().optional(),
        message: z.string().optional(),
        firstCalls: z.number().int().min(0).optional(),
        bare: z.boolean().optional(),
      })
      .strict()
      .optional(),
    accessDenied: z.boolean().optional(),
    expiredToken: z.boolean().optional(),
    hang: z
      .object({ firstCalls: z.number().int().min(0).optional() })
      .strict()
      .optional(),
    failFindings: z
      .object({
        every: z.number().int().min(1).optional(),
        code: z.string().optional(),
        firstCalls: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Fault rules as accepted by the scenario `faults:` key and `POST /_sandbox/faults`. */
export const FaultRulesSchema = z.array(FaultRuleSchema);

const IdentitySchema = z
  .object({
    account: AccountIdSchema,
    /** A role of the account: the operator works in a session of it. */
    role: NameSchema.optional(),
    /** Or an IAM user with long-term access keys. */
    user: NameSchema.optional(),
    sessionName: z.string().default('operator'),
    accessKeyId: z
      .string()
      .regex(/^(AKIA|ASIA)[A-Z0-9]{16}$/)
      .optional(),
    secretAccessKey: z.string().min(16).optional(),
    region: z.string().default('us-east-1'),
  })
  .strict()
  .refine((identity) => (identity.role === undefined) !== (identity.user === undefined), {
    message: 'give exactly one of role or user',
  });

/** An organizational unit and the accounts directly in it; `units` nest. */
type UnitInput = { name: string; id?: string; accounts?: string[]; units?: UnitInput[] };
type Unit = { name: string; id?: string; accounts: string[]; units: Unit[] };
const UnitSchema: z.ZodType<Unit, UnitInput> = z.lazy(() =>
  z
    .object({
      name: z.string().min(1).max(128),
      /** The OU id; default derived from the organization and the unit's path. */
      id: z
        .string()
        .regex(
          /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/,
          'expected ou-, 4-32 and 8-32 lower-case letters or digits',
        )
        .optional(),
      accounts: z.array(AccountIdSchema).default([]),
      units: z.array(UnitSchema).default([]),
    })
    .strict(),
);

/**
 * The AWS Organizations structure the sandbox serves (`organizations`): every scenario account is an
 * ACTIVE member at the root unless a unit lists it; `members` adds accounts that exist in the
 * organization without resources in `accounts` (no member role: they cannot be assumed), or sets a
 * member's state.
 */
const ScenarioOrganizationSchema = z
  .object({
    id: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'expected o- and 10-32 lower-case letters or digits')
      .optional(),
    /** Default: the starting identity's account. */
    managementAccount: AccountIdSchema.optional(),
    delegatedAdministrators: z.array(AccountIdSchema).default([]),
    units: z.array(UnitSchema).default([]),
    members: z
      .array(
        z
          .object({
            id: AccountIdSchema,
            name: z.string().min(1).max(50).optional(),
            state: z
              .enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'])
              .default('ACTIVE'),
            joined: RelativeDateSchema.default('365d'),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** A sandbox scenario: an organization's accounts, clusters, roles, history and faults. */
export const ScenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    description: z.string().optional(),
    /** Seed for generated ids, history and probabilistic faults. */
    seed: z.union([z.number(), z.string()]).default(1),
    identity: IdentitySchema,
    accounts: z.array(AccountSchema).min(1),
    buckets: z.array(BucketSchema).default([]),
    faults: FaultRulesSchema.default([]),
    /** AWS Organizations: without it the accounts are in no organization. */
    organization: ScenarioOrganizationSchema.optional(),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ScenarioAccount = Scenario['accounts'][number];
export type ScenarioRole = ScenarioAccount['roles'][number];
export type ScenarioCluster = ScenarioAccount['regions'][string]['clusters'][number];
export type ScenarioUsage = ScenarioAccount['regions'][string]['usage'][number];
export type ScenarioOrganization = NonNullable<Scenario['organization']>;
export type ScenarioUnit = Unit;
export type ScenarioDeniedAttempts = ScenarioAccount['regions'][string]['deniedAttempts'][number];

const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/**
 * Loads a scenario by name (`demo` → `sandbox/scenarios/demo.yaml`) or by path, validates it and
 * inlines the bucket object files it names.
 *
 * @throws InputError naming the file and every invalid field.
 */
export function loadScenarioFile(nameOrPath: string): Scenario {
  const isName = /^[\w-]+$/.test(nameOrPath);
  const path = isName ? join(SCENARIO_DIR, `${nameOrPath}.yaml`) : resolve(nameOrPath);
  if (!existsSync(path)) {
    throw new InputError(
      isName
        ? `unknown scenario "${nameOrPath}" (no ${nameOrPath}.yaml among the shipped scenarios)`
        : `scenario file not found: ${path}`,
    );
  }
  const ext = extname(path);
  const text = readFileSync(path, 'utf8');
  return parseScenarioText(text, { source: path, baseDir: dirname(path), json: ext === '.json' });
}

/**
 * Parses and validates scenario text (YAML or JSON). Relative object `file:` paths resolve
 * against `baseDir`.
 */
export function parseScenarioText(
  text: string,
  options: { source?: string; baseDir?: string; json?: boolean } = {},
): Scenario {
  const source = options.source ?? 'scenario';
  let raw: unknown;
  try {
    raw = options.json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InputError(
      `${source}: not valid ${options.json ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  return validateScenario(raw, { source, baseDir: options.baseDir });
}

/** Validates a scenario object, checks its cross-references and inlines object files. */
export function validateScenario(
  raw: unknown,
  options: { source?: string; baseDir?: string } = {},
): Scenario {
  const source = options.source ?? 'scenario';
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(
      `${source}: invalid scenario`,
      parsed.error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  const scenario = parsed.data;
  const problems = crossReferenceProblems(scenario).map((problem) => `${source}: ${problem}`);
  if (problems.length > 0) throw new InputError(`${source}: invalid scenario`, problems);
  for (const bucket of scenario.buckets) {
    for (const object of bucket.objects) {
      if (object.file === undefined) continue;
      const filePath = isAbsolute(object.file)
        ? object.file
        : join(options.baseDir ?? process.cwd(), object.file);
      if (!existsSync(filePath)) {
        throw new InputError(
          `${source}: buckets.${bucket.name}.objects.${object.key}: file not found: ${filePath}`,
        );
      }
      object.body = readFileSync(filePath, 'utf8');
      object.file = undefined;
    }
  }
  return scenario;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(root)' : path.map((part) => String(part)).join('.');
}

/** References the schema cannot check: the identity, clusters named by usage, managed policies. */
function crossReferenceProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const accountIds = new Set<string>();
  scenario.accounts.forEach((account, index) => {
    if (accountIds.has(account.id)) problems.push(`accounts.${index}.id: duplicate account ${account.id}`);
    accountIds.add(account.id);
  });
  const home = scenario.accounts.find((account) => account.id === scenario.identity.account);
  if (!home) problems.push(`identity.account: ${scenario.identity.account} is not one of the accounts`);
  else if (scenario.identity.role && !home.roles.some((role) => role.name === scenario.identity.role)) {
    problems.push(`identity.role: ${scenario.identity.role} is not a role of account ${home.id}`);
  }
  problems.push(...organizationProblems(scenario, accountIds));
  scenario.accounts.forEach((account, accountIndex) => {
    const customerPolicies = new Set(account.policies.map((policy) => policy.name));
    account.roles.forEach((role, roleIndex) => {
      for (const policy of role.managedPolicies) {
        if (policy.startsWith('arn:')) {
          const awsManaged = policy.includes(':iam::aws:policy/');
          if (awsManaged && !AWS_MANAGED_POLICIES.has(policy.split('/').pop() ?? '')) {
            problems.push(
              `accounts.${accountIndex}.roles.${roleIndex}.managedPolicies: unknown AWS managed policy ${policy}`,
            );
          }
        } else if (!customerPolicies.has(policy) && !AWS_MANAGED_POLICIES.has(policy)) {
          problems.push(
            `accounts.${accountIndex}.roles.${roleIndex}.managedPolicies: ${policy} is neither a policy of the account nor a known AWS managed policy`,
          );
        }
      }
    });
    for (const [region, regionSpec] of Object.entries(account.regions)) {
      const clusters = new Map(regionSpec.clusters.map((cluster) => [cluster.name, cluster]));
      regionSpec.usage.forEach((usage, index) => {
        const where = `accounts.${accountIndex}.regions.${region}.usage.${index}`;
        const cluster = clusters.get(usage.cluster);
        if (!cluster) {
          problems.push(`${where}.cluster: no cluster ${usage.cluster} in ${account.id}/${region}`);
          return;
        }
        if (usage.via === 'irsa' && usage.role === undefined)
          problems.push(`${where}.role: IRSA usage needs the role`);
        if (
          usage.via === 'pod-identity' &&
          !cluster.associations.some(
            (association) =>
              association.namespace === usage.namespace &&
              association.serviceAccount === usage.serviceAccount,
          ) &&
          !cluster.addons.some((addon) =>
            addon.podIdentityAssociations.some(
              (association) =>
                association.namespace === usage.namespace &&
                association.serviceAccount === usage.serviceAccount,
            ),
          )
        ) {
          problems.push(
            `${where}: no Pod Identity association for ${usage.namespace}/${usage.serviceAccount} on ${usage.cluster}`,
          );
        }
        if (usage.lastDaysAgo > usage.firstDaysAgo) problems.push(`${where}.lastDaysAgo: after firstDaysAgo`);
      });
      regionSpec.deniedAttempts.forEach((denied, index) => {
        const where = `accounts.${accountIndex}.regions.${region}.deniedAttempts.${index}`;
        const cluster = clusters.get(denied.cluster);
        if (!cluster)
          problems.push(`${where}.cluster: no cluster ${denied.cluster} in ${account.id}/${region}`);
        else if (denied.node && !cluster.nodegroups.some((nodegroup) => nodegroup.name === denied.node)) {
          problems.push(`${where}.node: no node group ${denied.node} on ${denied.cluster}`);
        } else if (!denied.node && cluster.nodegroups.length === 0 && !cluster.nodeRole) {
          problems.push(`${where}: cluster ${denied.cluster} has no node group or Auto Mode node role`);
        }
      });
    }
  });
  return problems;
}

/** An organization's units may name each account once, and only accounts of the organization. */
function organizationProblems(scenario: Scenario, accountIds: ReadonlySet<string>): string[] {
  const organization = scenario.organization;
  if (!organization) return [];
  const problems: string[] = [];
  const members = new Set([...accountIds, ...organization.members.map((member) => member.id)]);
  const placed = new Set<string>();
  const visit = (units: Unit[], path: string) => {
    units.forEach((unit, index) => {
      const where = `${path}.${index}`;
      for (const account of unit.accounts) {
        if (!members.has(account))
          problems.push(`${where}.accounts: ${account} is neither a scenario account nor a member`);
        if (placed.has(account)) problems.push(`${where}.accounts: ${account} is in more than one unit`);
        placed.add(account);
      }
      visit(unit.units, `${where}.units`);
    });
  };
  visit(organization.units, 'organization.units');
  const management = organization.managementAccount ?? scenario.identity.account;
  if (!members.has(management))
    problems.push(`organization.managementAccount: ${management} is not an account of the organization`);
  return problems;
}

/** Resolves a scenario date (ISO or `Nd` days ago) against "now". */
export function resolveDate(text: string, now: Date): Date {
  const relative = /^(\d+)d$/.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * 86_400_000);
  return new Date(text);
}
