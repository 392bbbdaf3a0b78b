import { Aws, CfnOutput, CfnParameter, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { MEMBER_ROLE_ACTIONS } from '../../shared/collect/operations.js';
import {
  type DeploymentConfig,
  PUBLISHING_FUNCTION_ROLE_NAMES,
  TRUSTED_FUNCTION_ROLE_NAMES,
} from '../config.js';

export interface MemberRoleStackProps extends StackProps {
  config: DeploymentConfig;
}

/**
 * The read-only role in every audited account. It grants exactly the actions the collectors call
 * ({@link MEMBER_ROLE_ACTIONS}; the SecurityAudit managed policy lacks the Pod Identity ones) and
 * trusts only the audit account's collect and cutover function roles, by ARN, with the external id
 * (and the organization id when configured).
 *
 * The template has no assets and no bootstrap requirement, so the same synthesized file can be
 * deployed as a CloudFormation StackSet across an AWS Organization; the audit account id and the
 * external id are parameters for that reason.
 */
export class MemberRoleStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, props);
    const { config } = props;
    const auditAccountId = new CfnParameter(this, 'AuditAccountId', {
      type: 'String',
      description: 'The account that runs the EKS identity audit (its collect and cutover roles are trusted)',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit account id',
      ...(config.auditAccountId ? { default: config.auditAccountId } : {}),
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      description: 'The external id the audit functions present when assuming this role',
      minLength: 2,
      maxLength: 1224,
      default: config.externalId,
      noEcho: true,
    });
    const importsFindings = config.securityHubMode === 'member-accounts';
    const trustedRoleNames = [
      ...Object.values(TRUSTED_FUNCTION_ROLE_NAMES),
      ...(importsFindings ? Object.values(PUBLISHING_FUNCTION_ROLE_NAMES) : []),
    ];
    const trustedArns = trustedRoleNames.map(
      (roleName) => `arn:${Aws.PARTITION}:iam::${auditAccountId.valueAsString}:role/${roleName}`,
    );
    const trustPolicy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AuditFunctionsOnly',
          actions: ['sts:AssumeRole'],
          principals: trustedArns.map((arn) => new iam.ArnPrincipal(arn)),
          conditions: {
            StringEquals: {
              'sts:ExternalId': externalId.valueAsString,
              ...(config.orgId ? { 'aws:PrincipalOrgID': config.orgId } : {}),
            },
          },
        }),
      ],
    });
    const statements = [
      new iam.PolicyStatement({
        sid: 'CollectorReads',
        actions: [...MEMBER_ROLE_ACTIONS],
        // These List/Describe/Get/Lookup calls enumerate the account, so they cannot name resources in advance.
        resources: ['*'],
      }),
    ];
    if (importsFindings) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ImportOwnSecurityHubFindings',
          actions: ['securityhub:BatchImportFindings'],
          resources: [
            `arn:${Aws.PARTITION}:securityhub:*:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`,
          ],
        }),
      );
    }
    this.role = new iam.Role(this, 'ReadRole', {
      roleName: config.memberRoleName,
      description:
        'Read-only access for the EKS identity audit: EKS and IAM reads and CloudTrail LookupEvents',
      // Replaced below by a statement that lists the trusted roles together under one condition.
      assumedBy: new iam.AccountPrincipal(auditAccountId.valueAsString),
      inlinePolicies: { EksIdentityAuditRead: new iam.PolicyDocument({ statements }) },
    });
    (this.role.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument = trustPolicy;
    if (importsFindings) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default]',
        reason:
          "The role is global but findings are imported in the audit region, which a StackSet-wide template does not know; the grant is limited to this account's own product.",
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ListClusters, ListOpenIDConnectProviders, GetAccountAuthorizationDetails and LookupEvents support no resource-level permissions, and the Describe calls follow what the lists return.',
    });
    new CfnOutput(this, 'ReadRoleArn', { value: this.role.roleArn });
  }
}
