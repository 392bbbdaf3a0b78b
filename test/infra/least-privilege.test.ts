import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRUSTED_FUNCTION_ROLE_NAMES } from '../../infra/config.js';
import { MEMBER_ROLE_ACTIONS } from '../../shared/collect/operations.js';
import { templates } from './support.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: { AWS: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** IAM verbs that change something; a read-only role may start its actions with none of them. */
const WRITE_VERBS =
  /^(Create|Put|Delete|Update|Attach|Detach|Tag|Untag|Associate|Disassociate|Add|Remove|Set|Start|Stop|Batch|Import|Upload|Enable|Disable|Modify|Pass|Reset|Change|Register|Deregister|Accept|Reject|Send|Publish|Invoke|Restore)/;

function inlineStatements(template: Template, roleLogicalId: string): Statement[] {
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  const fromRole = (role.Properties.Policies ?? []).flatMap(
    (policy: { PolicyDocument: { Statement: Statement[] } }) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      asList(policy.Properties.Roles).some((ref: { Ref: string }) => ref.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  return [...fromRole, ...attached];
}

function roleIdOf(template: Template, prefix: string): string {
  const id = Object.keys(template.findResources('AWS::IAM::Role')).find((key) => key.startsWith(prefix));
  if (!id) throw new Error(`no role ${prefix}*`);
  return id;
}

describe('MemberRoleStack read role', () => {
  let member: Template;
  let statements: Statement[];
  let trust: Statement[];

  beforeAll(() => {
    member = templates({ auditAccountId: '111122223333' }).member;
    const roleId = roleIdOf(member, 'ReadRole');
    statements = inlineStatements(member, roleId);
    trust = member.findResources('AWS::IAM::Role')[roleId].Properties.AssumeRolePolicyDocument.Statement;
  });

  it('grants exactly the actions the collectors call, and nothing else', () => {
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect([...actions].sort()).toEqual([...MEMBER_ROLE_ACTIONS].sort());
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    expect(
      member.findResources('AWS::IAM::Role')[roleIdOf(member, 'ReadRole')].Properties.ManagedPolicyArns,
    ).toBeUndefined();
  });

  it('includes the Pod Identity reads that the SecurityAudit managed policy lacks', () => {
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions).toEqual(
      expect.arrayContaining(['eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation']),
    );
  });

  it('grants no write action', () => {
    const writes = statements
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => WRITE_VERBS.test(action.split(':')[1]) || action.includes('*'));
    expect(writes).toEqual([]);
  });

  it('is assumable only by the collect and cutover function roles, with the external id', () => {
    expect(trust).toHaveLength(1);
    const [statement] = trust;
    expect(statement.Action).toBe('sts:AssumeRole');
    const principals = asList(statement.Principal?.AWS).map((arn) => JSON.stringify(arn));
    expect(principals).toHaveLength(2);
    for (const roleName of Object.values(TRUSTED_FUNCTION_ROLE_NAMES)) {
      expect(principals.some((arn) => arn.includes(`:role/${roleName}`))).toBe(true);
    }
    expect(principals.every((arn) => arn.includes('AuditAccountId'))).toBe(true);
    expect(statement.Condition).toEqual({ StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } });
    member.hasParameter('AuditAccountId', { Default: '111122223333', AllowedPattern: '^\\d{12}$' });
    member.hasParameter('ExternalId', { NoEcho: true });
  });

  it('also requires the organization id when one is configured', () => {
    const { member: withOrg } = templates({ orgId: 'o-a1b2c3d4e5' });
    const [statement] = withOrg.findResources('AWS::IAM::Role')[roleIdOf(withOrg, 'ReadRole')].Properties
      .AssumeRolePolicyDocument.Statement as Statement[];
    expect(statement.Condition?.StringEquals).toEqual({
      'sts:ExternalId': { Ref: 'ExternalId' },
      'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
    });
  });

  it('adds only its own Security Hub import when findings go to member accounts', () => {
    const { member: importing } = templates({ securityHubMode: 'member-accounts' });
    const added = inlineStatements(importing, roleIdOf(importing, 'ReadRole'))
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => !MEMBER_ROLE_ACTIONS.includes(action));
    expect(added).toEqual(['securityhub:BatchImportFindings']);
  });

  it('trusts analyze-publish and import-findings, never plan-scopes, when findings go to member accounts', () => {
    const { member: importing } = templates({ securityHubMode: 'member-accounts' });
    const [statement] = importing.findResources('AWS::IAM::Role')[roleIdOf(importing, 'ReadRole')].Properties
      .AssumeRolePolicyDocument.Statement as Statement[];
    const principals = asList(statement.Principal?.AWS).map((arn) => JSON.stringify(arn));
    expect(principals).toHaveLength(4);
    expect(principals.some((arn) => arn.includes(':role/eks-identity-audit-analyze-publish'))).toBe(true);
    expect(principals.some((arn) => arn.includes(':role/eks-identity-audit-import-findings'))).toBe(true);
    expect(principals.some((arn) => arn.includes('plan-scopes'))).toBe(false);
  });

  it('needs no bootstrap and no assets, so it works as a StackSet template', () => {
    const json = member.toJSON() as { Parameters: Record<string, unknown>; Rules?: unknown };
    expect(Object.keys(json.Parameters).sort()).toEqual(['AuditAccountId', 'ExternalId']);
    expect(json.Rules).toBeUndefined();
  });
});

describe('AuditStack function roles', () => {
  let audit: Template;

  beforeAll(() => {
    audit = templates().audit;
  });

  const functionRoles = [
    'PlanScopesRole',
    'CollectAccountRole',
    'AnalyzePublishRole',
    'CutoverCheckRole',
    'ImportFindingsRole',
  ];

  it('use no managed policies and no wildcard actions', () => {
    for (const prefix of functionRoles) {
      const roleId = roleIdOf(audit, prefix);
      expect(
        audit.findResources('AWS::IAM::Role')[roleId].Properties.ManagedPolicyArns,
        prefix,
      ).toBeUndefined();
      const actions = inlineStatements(audit, roleId).flatMap((statement) => asList(statement.Action));
      expect(
        actions.filter((action) => action.includes('*')),
        prefix,
      ).toEqual([]);
    }
  });

  it('grant Resource "*" only to the X-Ray actions, which support no resource-level permissions', () => {
    for (const prefix of functionRoles) {
      const unscoped = inlineStatements(audit, roleIdOf(audit, prefix)).filter((statement) =>
        asList(statement.Resource).includes('*'),
      );
      expect(unscoped.flatMap((statement) => asList(statement.Action)).sort(), prefix).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('let only the collect and cutover functions assume the member role', () => {
    const assumers = functionRoles.filter((prefix) =>
      inlineStatements(audit, roleIdOf(audit, prefix)).some((statement) =>
        asList(statement.Action).includes('sts:AssumeRole'),
      ),
    );
    expect(assumers).toEqual(['CollectAccountRole', 'CutoverCheckRole']);
  });

  it("import Security Hub findings only from analyze-publish and import-findings, against the account's own product ARN", () => {
    const importers = functionRoles.filter((prefix) =>
      inlineStatements(audit, roleIdOf(audit, prefix)).some((statement) =>
        asList(statement.Action).includes('securityhub:BatchImportFindings'),
      ),
    );
    expect(importers).toEqual(['AnalyzePublishRole', 'ImportFindingsRole']);
    const imports = functionRoles
      .flatMap((prefix) => inlineStatements(audit, roleIdOf(audit, prefix)))
      .filter((statement) => asList(statement.Action).includes('securityhub:BatchImportFindings'));
    expect(imports.length).toBe(2);
    for (const statement of imports) {
      expect(JSON.stringify(statement.Resource)).toMatch(/:securityhub:.*:product\/.*\/default/);
    }
  });

  it('let import-findings read only the queues, write only the run record, and assume the member role only in member-accounts mode', () => {
    expect(objectGrants(audit, 'ImportFindingsRole')).toEqual([
      's3:AbortMultipartUpload reports/latest.json',
      's3:GetObject reports/latest.json',
      's3:GetObject runs/*/securityhub/*',
      's3:ListBucket (bucket)',
      's3:PutObject reports/latest.json',
    ]);
    expect(objectGrants(audit, 'AnalyzePublishRole')).toContain('s3:PutObject runs/*/securityhub/*');
    const { audit: members } = templates({ securityHubMode: 'member-accounts' });
    const actions = inlineStatements(members, roleIdOf(members, 'ImportFindingsRole')).flatMap((statement) =>
      asList(statement.Action),
    );
    expect(actions).toContain('sts:AssumeRole');
    expect(actions).not.toContain('securityhub:BatchImportFindings');
  });

  /** The S3 object grants of a role as `action prefix*` pairs, e.g. `s3:GetObject state/usage/*`. */
  function objectGrants(template: Template, prefix: string): string[] {
    return inlineStatements(template, roleIdOf(template, prefix))
      .flatMap((statement) =>
        asList(statement.Action)
          .filter((action) => action.startsWith('s3:'))
          .flatMap((action) =>
            asList(statement.Resource).map((resource) => {
              const key = /"\/([^"]*)"\]\]\}$/.exec(JSON.stringify(resource))?.[1] ?? '(bucket)';
              return `${action} ${key}`;
            }),
          ),
      )
      .sort();
  }

  it('give the collect function the member role, its part prefix and the usage ledgers, nothing more', () => {
    const actions = inlineStatements(audit, roleIdOf(audit, 'CollectAccountRole'))
      .flatMap((statement) => asList(statement.Action))
      .sort();
    expect(actions).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      's3:PutObject',
      'sts:AssumeRole',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(objectGrants(audit, 'CollectAccountRole')).toEqual([
      's3:GetObject state/usage/*',
      's3:ListBucket (bucket)',
      's3:PutObject runs/*',
      's3:PutObject state/usage/*',
    ]);
  });

  it('give plan-scopes only the baseline read and its validated copy, in every Security Hub mode: analyze-publish publishes', () => {
    for (const securityHubMode of ['audit-account', 'member-accounts', 'off']) {
      const template = templates({ securityHubMode }).audit;
      const actions = inlineStatements(template, roleIdOf(template, 'PlanScopesRole'))
        .flatMap((statement) => asList(statement.Action))
        .sort();
      expect(actions, securityHubMode).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      expect(objectGrants(template, 'PlanScopesRole'), securityHubMode).toEqual([
        's3:GetObject baseline.yaml',
        's3:ListBucket (bucket)',
        's3:PutObject runs/*/baseline.json',
        's3:PutObject runs/*/items.json',
        's3:PutObject runs/*/plan.json',
        's3:PutObject runs/*/shards.json',
      ]);
    }
  });

  it('give plan-scopes the read-only Organizations calls of account discovery only when organization is set', () => {
    const discovery = [
      'organizations:DescribeOrganization',
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListChildren',
    ];
    const actionsOf = (context: Record<string, unknown>) => {
      const template = templates(context).audit;
      return inlineStatements(template, roleIdOf(template, 'PlanScopesRole'))
        .flatMap((statement) => asList(statement.Action))
        .filter((action) => action.startsWith('organizations:'))
        .sort();
    };
    expect(actionsOf({})).toEqual([]);
    expect(actionsOf({ organization: true })).toEqual(discovery);
    expect(actionsOf({ organization: 'ou-ab12-cdef3456' })).toEqual(discovery);
  });

  it('let analyze-publish read the runs and reports but not the baseline YAML, which it never parses', () => {
    const grants = objectGrants(audit, 'AnalyzePublishRole');
    expect(grants).toContain('s3:GetObject runs/*');
    expect(grants.filter((grant) => grant.includes('baseline'))).toEqual([]);
  });

  it('let analyze-publish abort its own multipart uploads of reports, and nothing else', () => {
    const grants = objectGrants(audit, 'AnalyzePublishRole');
    expect(grants.filter((grant) => grant.startsWith('s3:AbortMultipartUpload'))).toEqual([
      's3:AbortMultipartUpload reports/*',
    ]);
  });

  it('let analyze-publish read the usage ledgers but never write them', () => {
    const grants = objectGrants(audit, 'AnalyzePublishRole');
    expect(grants).toContain('s3:GetObject state/usage/*');
    expect(grants.filter((grant) => grant.includes('state/') && !grant.startsWith('s3:GetObject '))).toEqual(
      [],
    );
  });

  it('let analyze-shard read the runs and the usage ledgers and write only the join file and its shard outputs', () => {
    expect(objectGrants(audit, 'AnalyzeShardRole')).toEqual([
      's3:AbortMultipartUpload runs/*/join.jsonl',
      's3:AbortMultipartUpload runs/*/shards/*',
      's3:GetObject runs/*',
      's3:GetObject state/usage/*',
      's3:ListBucket (bucket)',
      's3:PutObject runs/*/join.jsonl',
      's3:PutObject runs/*/shards/*',
    ]);
  });

  it('grant no ledger access at all when usage comes from a window scan (near miss)', () => {
    const scan = templates({ usageSource: 'scan' }).audit;
    expect(objectGrants(scan, 'CollectAccountRole')).toEqual(['s3:PutObject runs/*']);
    expect(objectGrants(scan, 'AnalyzePublishRole').filter((grant) => grant.includes('state/'))).toEqual([]);
    expect(objectGrants(scan, 'AnalyzeShardRole').filter((grant) => grant.includes('state/'))).toEqual([]);
  });
});
