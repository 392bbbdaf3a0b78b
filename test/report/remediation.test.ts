import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checks } from '../../shared/checks/index.js';
import { factsOf } from '../../shared/model/facts.js';
import type { Finding } from '../../shared/model/finding.js';
import { localizer } from '../../shared/report/localize.js';
import { fillPlaceholders, placeholdersIn } from '../../shared/report/remediation.js';
import { commandsOf } from '../../shared/report/segments.js';
import { ReportSchema } from '../../shared/report/types.js';
import { runCli } from '../support/cli.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const METAS = checks.map((check) => check.meta);
const ASSOCIATION_ARN =
  'arn:aws:eks:ap-northeast-1:111122223333:podidentityassociation/prod-green/a-0abc1def2ghi3jkl4';

function finding(overrides: Partial<Finding>): Finding {
  return {
    id: 'X-1',
    checkId: 'PI_AGENT_MISSING',
    severity: 'HIGH',
    title: 'Cluster has Pod Identity associations but no Pod Identity agent',
    message: 'Cluster prod-green has 4 Pod Identity associations but no agent.',
    accountId: '111122223333',
    region: 'ap-northeast-1',
    cluster: 'prod-green',
    resource: { type: 'AwsEksCluster', id: 'arn:aws:eks:ap-northeast-1:111122223333:cluster/prod-green' },
    evidence: { associationCount: 4 },
    remediation: '',
    ...overrides,
  };
}

describe('remediation placeholders', () => {
  it('fills the cluster and region of a catalogue command from the finding', () => {
    const filled = fillPlaceholders(
      'Install the add-on: `aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent --region REGION`.',
      finding({}),
    );
    expect(filled).toBe(
      'Install the add-on: `aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region ap-northeast-1`.',
    );
  });

  it('fills role name, association id, namespace and service account from resource and evidence', () => {
    const association = finding({
      checkId: 'PI_ASSOCIATION_UNDECLARED',
      resource: { type: 'AwsEksPodIdentityAssociation', id: ASSOCIATION_ARN },
      evidence: {
        namespace: 'payments',
        serviceAccount: 'api',
        roleArn: 'arn:aws:iam::111122223333:role/service/payments-api',
      },
    });
    const filled = fillPlaceholders(
      '`aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID` then `aws iam get-role --role-name ROLE_NAME` for `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT`',
      association,
    );
    expect(filled).toBe(
      '`aws eks delete-pod-identity-association --cluster-name prod-green --association-id a-0abc1def2ghi3jkl4` then `aws iam get-role --role-name payments-api` for `system:serviceaccount:payments:api`',
    );
  });

  it('leaves prose alone and fills only inside code spans', () => {
    expect(fillPlaceholders('Pick the CLUSTER first: `kubectl --context CLUSTER get sa`', finding({}))).toBe(
      'Pick the CLUSTER first: `kubectl --context prod-green get sa`',
    );
  });

  it('keeps a placeholder whose value the finding does not know', () => {
    const roleLevel = finding({
      checkId: 'IRSA_SUBJECT_WILDCARD',
      region: undefined,
      cluster: undefined,
      resource: { type: 'AwsIamRole', id: 'arn:aws:iam::111122223333:role/app' },
      evidence: {},
    });
    const filled = fillPlaceholders('`kubectl -n NAMESPACE get sa SERVICE_ACCOUNT`', roleLevel);
    expect(placeholdersIn(filled).sort()).toEqual(['NAMESPACE', 'SERVICE_ACCOUNT']);
  });

  it('never puts a value into a command that could change its words', () => {
    const hostile = finding({ cluster: 'prod;rm -rf ~', resource: { type: 'Scope', id: '111122223333' } });
    expect(fillPlaceholders('`aws eks describe-cluster --name CLUSTER`', hostile)).toBe(
      '`aws eks describe-cluster --name CLUSTER`',
    );
  });

  it("gives Japanese remediation the finding's own command, with every flag it carries", () => {
    const own =
      'Install the add-on: `aws eks create-addon --cluster-name prod-green --addon-name eks-pod-identity-agent --region ap-northeast-1`.';
    const text = localizer('ja', METAS).remediation(finding({ remediation: own }));
    expect(text).toMatch(/[\u3040-\u30ff]/);
    expect(commandsOf(text)).toEqual(commandsOf(own));
  });
});

describe('remediation of every acceptance scenario', () => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'acceptance');
  const scenarios = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it.each(scenarios)(
    '%s: no placeholder is left whose value the finding knows, in English or Japanese',
    async (name) => {
      const run = await runCli(
        'audit',
        '--snapshot',
        join(dir, name, 'snapshot.json'),
        '--baseline',
        join(dir, name, 'baseline.yaml'),
        '--format',
        'json',
        '--fail-on',
        'none',
        '--allow-incomplete',
      );
      const report = ReportSchema.parse(JSON.parse(run.stdout));
      const known: Record<string, keyof ReturnType<typeof factsOf>> = {
        CLUSTER: 'cluster',
        REGION: 'region',
        NAMESPACE: 'namespace',
        SERVICE_ACCOUNT: 'serviceAccount',
        ROLE_NAME: 'roleName',
      };
      for (const language of ['en', 'ja'] as const) {
        const text = localizer(language, METAS);
        for (const each of report.findings) {
          const facts = factsOf(each);
          const left = placeholdersIn(text.remediation(each)).filter((name) => {
            const fact = known[name];
            return fact !== undefined && facts[fact] !== undefined;
          });
          expect(left, `${language} ${each.checkId} ${each.resource.id}`).toEqual([]);
        }
      }
    },
  );
});
