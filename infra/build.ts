import {
  App,
  type AppProps,
  CliCredentialsStackSynthesizer,
  type Environment,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeploymentConfig, readDeploymentConfig } from './config.js';
import { AuditStack } from './stacks/audit-stack.js';
import { MemberRoleStack } from './stacks/member-role-stack.js';

/** Stack names as `cdk deploy` takes them. */
export const STACK_NAMES = { audit: 'EksIdentityAudit', memberRole: 'EksIdentityAuditMemberRole' } as const;

/** The assembled CDK app. */
export interface AuditApp {
  app: App;
  config: DeploymentConfig;
  audit: AuditStack;
  memberRole: MemberRoleStack;
}

/**
 * Builds the app: the audit stack, the member-role stack, and the cdk-nag AwsSolutions checks, whose
 * unacknowledged findings fail synthesis.
 *
 * @throws DeploymentConfigError when the context is invalid.
 * @example const { app } = buildAuditApp({ context: { regions: ['eu-west-1'] } }); app.synth();
 */
export function buildAuditApp(props: AppProps = {}): AuditApp {
  const app = new App(props);
  const config = readDeploymentConfig((key) => app.node.tryGetContext(key));
  const env: Environment = {
    account: config.auditAccountId ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const audit = new AuditStack(app, STACK_NAMES.audit, {
    config,
    env,
    description: 'EKS identity audit: nightly IRSA and Pod Identity audit of the member accounts',
  });
  const memberRole = new MemberRoleStack(app, STACK_NAMES.memberRole, {
    config,
    description: 'EKS identity audit: read-only role for the audit account (deploy in every audited account)',
    // No assets and no bootstrap check, so the template also works as a StackSet template.
    synthesizer: new CliCredentialsStackSynthesizer(),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, audit, memberRole };
}
