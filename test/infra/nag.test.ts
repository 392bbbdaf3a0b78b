import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './support.js';

const CONTEXTS: Record<string, Record<string, unknown>> = {
  'cdk.json defaults': {},
  'every option set': {
    auditAccountId: '111122223333',
    orgId: 'o-a1b2c3d4e5',
    slackWorkspaceId: 'T0123ABCD',
    slackChannelId: 'C0456EFGH',
    securityHubMode: 'member-accounts',
    accounts: ['222233334444', '333344445555'],
    regions: ['eu-west-1', 'us-east-1'],
    usageSource: 'org-trail',
    orgTrailBucket: 'org-trail-logs',
    orgTrailPrefix: 'central',
  },
};

describe('cdk-nag AwsSolutionsChecks', () => {
  for (const [name, context] of Object.entries(CONTEXTS)) {
    it(`reports no unacknowledged finding with ${name}`, () => {
      // Prepare
      const { app } = buildTestApp(context);

      // Act
      const report = new AwsSolutionsChecks().validateScope(app);

      // Assess
      const unacknowledged = report.violations.map(
        (violation) =>
          `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
      );
      expect(unacknowledged).toEqual([]);
      expect(report.success).toBe(true);
    });
  }

  it('would fail on a wildcard it has not been told about', () => {
    // Prepare: a near miss, the same app plus one unexplained wildcard grant.
    const { app, audit } = buildTestApp();
    audit.functions.analyzePublish.role?.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:Get*'], resources: ['*'] }),
    );

    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.success).toBe(false);
    expect(report.violations.map((violation) => violation.ruleName)).toContain(
      'AwsSolutions-IAM5[Action::s3:Get*]',
    );
  });

  it('gives every acknowledgement a specific reason', () => {
    // Prepare
    const { app, audit, memberRole } = buildTestApp(CONTEXTS['every option set']);
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true });
    const reasons: Array<{ id: string; reason: string }> = [];

    // Act
    for (const stack of [audit, memberRole] as Stack[]) {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<
        string,
        { Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string; reason: string }> } } }
      >;
      for (const resource of Object.values(resources))
        reasons.push(...(resource.Metadata?.cdk_nag?.rules_to_suppress ?? []));
    }

    // Assess
    expect(reasons.length).toBeGreaterThan(0);
    for (const { id, reason } of reasons) {
      expect(reason.length, id).toBeGreaterThan(60);
      expect(reason, id).not.toMatch(/^(n\/a|todo|ok|not needed)/i);
    }
  });
});
