import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startSandbox } from '../sandbox/index.js';
import { runAudit } from '../shared/audit.js';
import { checks } from '../shared/checks/index.js';
import { renderReport } from '../shared/report/index.js';
import type { RegisterCommand } from './commands.js';
import { loadAuditInputs, startingIdentityFactory } from './inputs.js';
import { log } from './output.js';
import { publishFromOptions } from './publish-options.js';

/**
 * How the nightly job is configured for the embedded `demo` organization: the same settings a real
 * deployment takes from its CDK context (baseline location, member role, external id).
 */
export const DEMO_SETTINGS = {
  scenario: 'demo',
  auditAccount: '111122223333',
  region: 'eu-west-1',
  baseline: 's3://eks-identity-audit-demo-111122223333/baseline.yaml',
  memberRoleName: 'EksIdentityAuditReadOnly',
  externalId: 'eks-identity-audit-demo',
  bucket: 'eks-identity-audit-demo-111122223333',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:eks-identity-audit-findings',
} as const;

interface DemoOptions {
  outputDir: string;
}

/**
 * `demo`: starts the sandbox in-process with the demo organization, runs the live audit through the
 * real AWS SDK clients (baseline from the sandbox's S3, the accounts discovered through AWS
 * Organizations, member roles assumed with an external id),
 * prints the table report, writes the HTML report, and publishes the run to the sandbox's S3, SNS
 * and Security Hub as the nightly job does. No AWS account or credentials are needed.
 */
export const registerDemo: RegisterCommand = (program: Command, setExit) => {
  program
    .command('demo')
    .description('Run the audit against the embedded sandbox organization (no AWS account needed).')
    .option('--output-dir <dir>', 'where to write the HTML and JSON reports', 'out')
    .action(async (options: DemoOptions) => {
      const sandbox = await startSandbox({ port: 0, scenario: DEMO_SETTINGS.scenario });
      try {
        log(`sandbox organization "${DEMO_SETTINGS.scenario}" listening on ${sandbox.url}`);
        const startedAt = new Date().toISOString();
        // The demo takes its baseline from the sandbox's S3, like the nightly Lambda does.
        const { baseline, inventory, factory } = await loadAuditInputs(
          {
            baseline: DEMO_SETTINGS.baseline,
            // Every ACTIVE account of the organization, found through AWS Organizations.
            accounts: 'org',
            endpointUrl: sandbox.url,
            region: DEMO_SETTINGS.region,
            roleName: DEMO_SETTINGS.memberRoleName,
            externalId: DEMO_SETTINGS.externalId,
          },
          { progress: true, credentials: sandbox.credentials },
        );
        if (!baseline) throw new Error('the demo baseline did not load');
        const result = runAudit({ inventory, baseline, startedAt, finishedAt: new Date().toISOString() });
        const catalogue = checks.map((check) => check.meta);
        const stdoutIsTty = process.stdout.isTTY === true;
        process.stdout.write(
          renderReport(result.report, 'table', {
            checks: catalogue,
            color: stdoutIsTty,
            baselineFile: DEMO_SETTINGS.baseline,
          }),
        );
        const directory = resolve(options.outputDir);
        await mkdir(directory, { recursive: true });
        const htmlFile = join(directory, 'demo-report.html');
        const jsonFile = join(directory, 'demo-report.json');
        await writeFile(
          htmlFile,
          renderReport(result.report, 'html', { checks: catalogue, baselineFile: DEMO_SETTINGS.baseline }),
        );
        await writeFile(jsonFile, renderReport(result.report, 'json', { checks: catalogue }));
        const calls = sandbox.calls();
        log(
          `${result.report.summary.total} findings in ${inventory.accounts.length} accounts and ${inventory.clusters.length} clusters` +
            ` (${calls.total} AWS API calls to the sandbox)`,
        );
        // The nightly job's last step: run history in S3, SNS notifications, Security Hub import.
        const publishing = await publishFromOptions(
          { publish: true, bucket: DEMO_SETTINGS.bucket, topicArn: DEMO_SETTINGS.topicArn },
          { report: result.report, factory: factory ?? startingIdentityFactory({}, {}) },
        );
        log(`HTML report written to ${htmlFile}`);
        log(`JSON report written to ${jsonFile}`);
        setExit(publishing.exitCode);
      } finally {
        await sandbox.close();
      }
    });
};
