import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallCounts, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { MEMBER_ROLE_ACTIONS } from '../../shared/collect/operations.js';
import { templates } from '../infra/support.js';
import { useSandboxCredentials } from '../support/sandbox.js';
import {
  AUDIT_ACCOUNT,
  functionEnvironment,
  importHandlers,
  type NightCalls,
  operationsByAccount,
  runNightAndCutover,
} from './security-run.js';

/** Operations whose IAM action is not `service:Operation`; `null`: no permission is needed. */
const ACTION_OF_OPERATION: Record<string, string | null> = {
  'sts:GetCallerIdentity': null,
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectsV2': 's3:ListBucket',
};

/**
 * Actions a function needs that no sandbox call shows, each with the reason and, where it has one,
 * the called action it comes with. Anything granted beyond the observed calls and this list fails.
 */
const NEEDED_WITHOUT_A_CALL: Record<string, { reason: string; with?: string }> = {
  'logs:CreateLogStream': { reason: 'the Lambda runtime writes the function log' },
  'logs:PutLogEvents': { reason: 'the Lambda runtime writes the function log' },
  'xray:PutTraceSegments': { reason: 'active tracing: the runtime sends the invocation segments' },
  'xray:PutTelemetryRecords': { reason: 'active tracing' },
  's3:ListBucket': {
    reason:
      'S3 answers a missing object (first ledger, missing baseline) with NoSuchKey only to ListBucket holders',
    with: 's3:GetObject',
  },
  's3:AbortMultipartUpload': {
    reason: 'a report whose multipart upload fails is aborted, so no parts are left behind',
    with: 's3:PutObject',
  },
  'kms:GenerateDataKey': { reason: 'SNS encrypts each message with the topic key', with: 'sns:Publish' },
  'kms:Decrypt': { reason: 'publishing to a KMS-encrypted topic', with: 'sns:Publish' },
};

/** Needs of one role that no clean run shows, with the reason and the called action they come with. */
const ROLE_NEEDS_WITHOUT_A_CALL: Record<string, Record<string, { reason: string; with?: string }>> = {
  ImportFindingsRole: {
    's3:PutObject': {
      reason:
        'a finding Security Hub did not take is recorded in reports/latest.json; only a failed import writes',
      with: 'securityhub:BatchImportFindings',
    },
    's3:AbortMultipartUpload': {
      reason: 'a large run record whose multipart write of failed imports fails is aborted',
      with: 'securityhub:BatchImportFindings',
    },
  },
};

/** Whether a granted action is justified by the calls, or by a documented need that comes with them. */
function justified(action: string, called: Set<string>, rolePrefix = ''): boolean {
  if (called.has(action)) return true;
  const need = ROLE_NEEDS_WITHOUT_A_CALL[rolePrefix]?.[action] ?? NEEDED_WITHOUT_A_CALL[action];
  return need !== undefined && (need.with === undefined || called.has(need.with));
}

interface Statement {
  Effect: string;
  Action: string | string[];
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every action a role's inline policies allow. */
function grantedActions(template: Template, rolePrefix: string): Set<string> {
  const roles = template.findResources('AWS::IAM::Role');
  const roleId = Object.keys(roles).find((id) => id.startsWith(rolePrefix));
  if (!roleId) throw new Error(`no role ${rolePrefix}*`);
  const inline = (roles[roleId].Properties.Policies ?? []).flatMap(
    (policy: { PolicyDocument: { Statement: Statement[] } }) => policy.PolicyDocument.Statement,
  ) as Statement[];
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => asList(policy.Properties.Roles).some((ref: { Ref: string }) => ref.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  return new Set(
    [...inline, ...attached]
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => asList(statement.Action)),
  );
}

/** The IAM actions behind the calls made in `accounts` (all accounts when omitted). */
function actionsCalled(counts: CallCounts[], accounts?: (account: string) => boolean): Set<string> {
  const actions = new Set<string>();
  for (const count of counts) {
    for (const [account, operations] of operationsByAccount(count)) {
      if (accounts && !accounts(account)) continue;
      for (const operation of operations) {
        const action = operation in ACTION_OF_OPERATION ? ACTION_OF_OPERATION[operation] : operation;
        if (action) actions.add(action);
      }
    }
  }
  return actions;
}

const inAuditAccount = (account: string) => account === AUDIT_ACCOUNT;
const inMemberAccounts = (account: string) => account !== AUDIT_ACCOUNT;
const sorted = (actions: Iterable<string>) => [...actions].sort();

let sandbox: SandboxHandle;
let restoreEnv: () => void;
let night: NightCalls;
let audit: Template;
let member: Template;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  restoreEnv = useSandboxCredentials(sandbox, {
    ...functionEnvironment(sandbox.url),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  night = await runNightAndCutover(sandbox, await importHandlers());
  ({ audit, member } = templates({ regions: ['eu-west-1'] }));
}, 180_000);

afterAll(async () => {
  await sandbox?.close();
  restoreEnv?.();
});

describe('least privilege, checked against the calls of a full run', () => {
  const functions: Array<[string, (calls: NightCalls) => CallCounts[]]> = [
    ['PlanScopesRole', (calls) => [calls.plan, calls.planRejecting]],
    ['CollectAccountRole', (calls) => calls.collect],
    ['AnalyzePublishRole', (calls) => [calls.analyze, calls.analyzeRejecting]],
    ['CutoverCheckRole', (calls) => [calls.cutover]],
    ['ImportFindingsRole', (calls) => calls.importFindings],
  ];

  it.each(functions)('%s is granted every action its function called', (rolePrefix, callsOf) => {
    // Prepare
    const called = actionsCalled(callsOf(night), inAuditAccount);

    // Act
    const granted = grantedActions(audit, rolePrefix);

    // Assess
    expect(called.size).toBeGreaterThan(0);
    expect(sorted([...called].filter((action) => !granted.has(action)))).toEqual([]);
  });

  it.each(functions)(
    '%s is granted nothing beyond those calls and the documented call-less needs',
    (rolePrefix, callsOf) => {
      const called = actionsCalled(callsOf(night), inAuditAccount);
      const excess = [...grantedActions(audit, rolePrefix)].filter(
        (action) => !justified(action, called, rolePrefix),
      );
      expect(sorted(excess)).toEqual([]);
    },
  );

  it('grants the member read role exactly the actions the collect and cutover functions called there', () => {
    const called = actionsCalled([...night.collect, night.cutover], inMemberAccounts);
    const granted = grantedActions(member, 'ReadRole');
    expect(sorted(called)).toEqual(sorted(MEMBER_ROLE_ACTIONS));
    expect(sorted(granted)).toEqual(sorted(called));
  });

  it('makes no write call in a member account', () => {
    const writes = sorted(actionsCalled([...night.collect, night.cutover], inMemberAccounts)).filter(
      (action) => !/^[a-z0-9]+:(List|Describe|Get|Lookup)/.test(action),
    );
    expect(writes).toEqual([]);
  });

  it('would flag a grant the calls do not justify (near miss)', () => {
    const called = actionsCalled([night.cutover], inAuditAccount);
    const withExtra = new Set([...grantedActions(audit, 'CutoverCheckRole'), 's3:PutObject']);
    const excess = [...withExtra].filter(
      (action) => !called.has(action) && !(action in NEEDED_WITHOUT_A_CALL),
    );
    expect(excess).toEqual(['s3:PutObject']);
  });

  it('never publishes from plan-scopes: analyze-publish sends BASELINE_INVALID on the invalid-baseline path', () => {
    expect(sorted(actionsCalled([night.plan], inAuditAccount))).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(sorted(actionsCalled([night.planRejecting], inAuditAccount))).toEqual(['s3:GetObject']);
    const rejecting = actionsCalled([night.analyzeRejecting], inAuditAccount);
    expect(rejecting.has('sns:Publish')).toBe(true);
    expect(rejecting.has('securityhub:BatchImportFindings')).toBe(true);
  });
});
