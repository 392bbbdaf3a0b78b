import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { NightlyProgress, NightlyRun } from '../functions/lib/nightly.js';
import { startSandbox } from '../sandbox/index.js';
import { createClientFactory } from '../shared/aws/clients.js';
import { getObjectText } from '../shared/aws/s3.js';
import { checks } from '../shared/checks/index.js';
import { RUN_DEFAULTS } from '../shared/defaults.js';
import { type Report, ReportSchema, renderReport } from '../shared/report/index.js';
import type { RegisterCommand } from './commands.js';
import { emit, log, useColor } from './output.js';

/**
 * How the nightly job is configured for the embedded `demo` organization: the same settings a real
 * deployment takes from its CDK context (baseline location, member role, external id).
 */
export const DEMO_SETTINGS = {
  scenario: 'demo',
  auditAccount: '111122223333',
  region: 'eu-west-1',
  baseline: 's3://eks-identity-audit-demo-111122223333/baseline.yaml',
  memberRoleName: RUN_DEFAULTS.memberRoleName,
  externalId: 'eks-identity-audit-demo',
  bucket: 'eks-identity-audit-demo-111122223333',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:eks-identity-audit-findings',
} as const;

/**
 * The functions' environment for the demo organization, as the CDK app sets it (every setting not
 * named here takes the deployment's default).
 */
export function demoEnvironment(endpointUrl: string): Record<string, string> {
  return {
    AUDIT_BUCKET: DEMO_SETTINGS.bucket,
    BASELINE_KEY: RUN_DEFAULTS.baselineKey,
    TOPIC_ARN: DEMO_SETTINGS.topicArn,
    MEMBER_ROLE_NAME: DEMO_SETTINGS.memberRoleName,
    EXTERNAL_ID: DEMO_SETTINGS.externalId,
    AUDIT_REGIONS: DEMO_SETTINGS.region,
    // Every ACTIVE account of the sandbox organization, found through AWS Organizations.
    AUDIT_ORGANIZATION: 'all',
    AWS_ENDPOINT_URL: endpointUrl,
    AWS_REGION: DEMO_SETTINGS.region,
  };
}

interface DemoOptions {
  outputDir: string;
}

/**
 * `demo`: starts the sandbox in-process with the demo organization and runs the nightly job's
 * Lambda steps in the state machine's order against it — plan-scopes (the accounts discovered
 * through AWS Organizations), collect-account for each Map item, analyze-publish — through the
 * real AWS SDK clients (baseline from the sandbox's S3, member roles assumed with an external id,
 * reports to S3, SNS, Security Hub). Then
 * prints the stored report as a table and writes it as HTML and JSON. No AWS account or
 * credentials are needed.
 */
export const registerDemo: RegisterCommand = (program: Command, setExit) => {
  program
    .command('demo')
    .description('Run the nightly job against the embedded sandbox organization (no AWS account needed).')
    .option('--output-dir <dir>', 'where to write the HTML and JSON reports', 'out')
    .action(async (options: DemoOptions) => {
      // The functions' structured logs and metrics are for CloudWatch: here stdout holds the report.
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
      // Loaded after the environment is set: the functions read it at cold start, as on Lambda.
      const { runNightlySteps } = await import('../functions/lib/nightly.js');
      const { ENV, loadConfig } = await import('../functions/lib/config.js');
      const { ROLE_SESSION_NAME } = await import('../functions/lib/aws.js');
      const { metrics } = await import('../functions/lib/observability.js');
      const sandbox = await startSandbox({ port: 0, scenario: DEMO_SETTINGS.scenario });
      try {
        log(`sandbox organization "${DEMO_SETTINGS.scenario}" listening on ${sandbox.url}`);
        const config = loadConfig(demoEnvironment(sandbox.url), Object.keys(ENV) as Array<keyof typeof ENV>);
        const factory = () =>
          createClientFactory({
            region: config.region,
            roleName: config.memberRoleName,
            externalId: config.externalId,
            roleSessionName: ROLE_SESSION_NAME,
            endpointUrl: sandbox.url,
            credentials: sandbox.credentials,
          });
        const night = await runNightlySteps({
          config,
          factory,
          onProgress: (step) => log(describeStep(step)),
        });
        metrics.clearMetrics();
        const failure = nightFailure(night);
        if (failure !== undefined || night.result?.reportUri === undefined) {
          log(`the nightly job failed: ${failure ?? 'no report was stored'}`);
          setExit(1);
          return;
        }
        // What the night stored is what the demo shows: the report analyze-publish wrote to S3.
        const stored = await getObjectText(factory().s3(), night.result.reportUri);
        const report = JSON.parse(stored.text) as Report;
        ReportSchema.parse(report);
        const catalogue = checks.map((check) => check.meta);
        process.stdout.write(
          renderReport(report, 'table', {
            checks: catalogue,
            color: useColor(process.stdout),
            baselineFile: DEMO_SETTINGS.baseline,
          }),
        );
        const directory = resolve(options.outputDir);
        await mkdir(directory, { recursive: true });
        const htmlFile = join(directory, 'demo-report.html');
        const jsonFile = join(directory, 'demo-report.json');
        await emit(
          renderReport(report, 'html', { checks: catalogue, baselineFile: DEMO_SETTINGS.baseline }),
          htmlFile,
        );
        await emit(renderReport(report, 'json', { checks: catalogue }), jsonFile);
        const clusters = night.parts.reduce((sum, part) => sum + ('clusters' in part ? part.clusters : 0), 0);
        log(
          `${report.summary.total} findings in ${night.result.accounts} accounts and ${clusters} clusters` +
            ` (${sandbox.calls().total} AWS API calls to the sandbox)`,
        );
        log(`HTML report written to ${htmlFile}`);
        log(`JSON report written to ${jsonFile}`);
      } finally {
        await sandbox.close();
      }
    });
};

/** One stderr line per finished step. */
function describeStep(progress: NightlyProgress): string {
  switch (progress.step) {
    case 'plan-scopes': {
      const { plan } = progress;
      if (plan.status !== 'planned')
        return `plan-scopes: run ${plan.runId}: baseline invalid (${plan.error})`;
      const discovered = plan.discovery
        ? ` (AWS Organizations ${plan.discovery.organizationId}: ${plan.discovery.accounts} ACTIVE account(s) to audit, ${plan.discovery.inactive} not ACTIVE, ${plan.discovery.excluded} excluded)`
        : '';
      return `plan-scopes: run ${plan.runId}, baseline s3://${plan.baseline.bucket}/${plan.baseline.key}: ${plan.plan.accounts} accounts${discovered}, ${plan.plan.scopes} account-regions, ${plan.plan.items} Map items`;
    }
    case 'collect-account': {
      const { part } = progress;
      if ('Error' in part)
        return `collect-account ${progress.accountId}: FAILED ${part.Error}: ${part.Cause}`;
      return (
        `collect-account ${part.accountId}: ${part.regions} region(s), ${part.clusters} cluster(s), ` +
        `${part.complete ? 'complete' : `${part.errors} error(s)`}, ${part.apiCalls} API calls; part ${part.key}`
      );
    }
    case 'analyze-shard': {
      const { result } = progress;
      if ('Error' in result)
        return `analyze-shard ${progress.shard}: FAILED ${result.Error}: ${result.Cause}`;
      return `analyze-shard ${result.shard}: ${result.accounts} account(s), ${result.findings} finding(s), ${result.contextAccounts} other account(s) as join facts`;
    }
    case 'analyze-publish': {
      const { result } = progress;
      if ('status' in result) return `analyze-publish: BASELINE_INVALID published (${result.error})`;
      return (
        `analyze-publish: ${result.total} findings (${result.suppressed} suppressed), ${result.newFindings} new, ` +
        `${result.resolvedFindings} resolved; SNS ${result.sns.messages} message(s); ` +
        `Security Hub ${result.securityHub.queue ? `${result.securityHub.queue.findings} queued` : `${result.securityHub.imported} imported, ${result.securityHub.archived} archived`}; report ${result.reportUri ?? '-'}`
      );
    }
    case 'import-findings': {
      const { result } = progress;
      return `import-findings: Security Hub ${result.imported} imported, ${result.archived} archived, ${result.failed} failed${result.done ? '' : ' (continues)'}`;
    }
  }
}

/** Why a night did not end with a published report, if it did not. */
function nightFailure(night: NightlyRun): string | undefined {
  if (night.planError) return `plan-scopes: ${night.planError.message}`;
  if (night.rejected) return `the baseline is invalid: ${night.rejected.error}`;
  const failed = night.parts.find((part) => 'Error' in part);
  if (failed && 'Error' in failed) return `collect-account: ${failed.Error}: ${failed.Cause}`;
  if (night.analyzeError) return `analyze-publish: ${night.analyzeError.message}`;
  return undefined;
}
