import type { Command } from 'commander';
import { startSandbox } from '../sandbox/index.js';
import { InputError } from '../shared/errors.js';
import type { RegisterCommand } from './commands.js';
import { log } from './output.js';

interface SandboxCommandOptions {
  scenario: string;
  port: string;
  host: string;
  limits: boolean;
}

/**
 * `sandbox`: runs the local AWS sandbox until SIGINT/SIGTERM. Prints the URL once it listens,
 * then the starting identity's credentials as environment variables.
 */
export const registerSandbox: RegisterCommand = (program: Command) => {
  program
    .command('sandbox')
    .description(
      'Run the local AWS sandbox (STS, IAM, EKS, CloudTrail, SNS, Security Hub, S3) for a scenario.',
    )
    .option('--scenario <name|file>', 'scenario name (e.g. demo) or YAML file', 'demo')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4566')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--no-limits',
      'do not apply the documented service rate limits (LookupEvents 2/s, Security Hub TPS)',
    )
    .action(async (options: SandboxCommandOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new InputError(`--port ${options.port}: expected a port number between 0 and 65535`);
      }
      const sandbox = await startSandbox({
        scenario: options.scenario,
        port,
        host: options.host,
        limits: options.limits,
      });
      const credentials = sandbox.credentials;
      const lines = [
        `sandbox listening on ${sandbox.url}`,
        '# starting identity of the scenario; export these to use the sandbox:',
        `export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
        `export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
        ...(credentials.sessionToken ? [`export AWS_SESSION_TOKEN=${credentials.sessionToken}`] : []),
        `export AWS_REGION=${credentials.region}`,
        `export AWS_DEFAULT_REGION=${credentials.region}`,
        `# caller: ${credentials.principalArn}`,
        `# e.g. aws --endpoint-url ${sandbox.url} sts get-caller-identity`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          log(`sandbox: ${signal}, shutting down`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sandbox.close();
    });
};
