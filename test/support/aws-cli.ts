/**
 * Test support: the Python `aws` CLI (botocore) as an independent client of a local endpoint.
 *
 * Always asynchronous: the sandbox usually answers from the test's own process, so a synchronous
 * spawn would block the very event loop that has to answer, and the CLI would wait out botocore's
 * defaults (60 s read timeout, 5 attempts: about 300 s) before failing with "Read timeout on
 * endpoint URL". Timeouts are short and retries few, so a hang fails within the test timeout with a
 * message that says what happened.
 */
import { execFile, spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether the Python `aws` CLI is on PATH (checked once; tests skip with a message when it is not). */
export function awsCliAvailable(): boolean {
  available ??= spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
  return available;
}

/** Credentials for the CLI, passed through the environment only. */
export interface AwsCliCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsCliOptions {
  endpointUrl: string;
  credentials: AwsCliCredentials;
  region: string;
  /** `--cli-read-timeout`: seconds to wait for a response. Default 10 (the sandbox answers in milliseconds). */
  readTimeoutSeconds?: number;
  /** `--cli-connect-timeout` in seconds. Default 5. */
  connectTimeoutSeconds?: number;
  /** Attempts per request (standard retry mode). Default 2. */
  maxAttempts?: number;
}

/** What the CLI printed. */
export interface AwsCliOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `aws ARGS --endpoint-url URL --output json` with only the given credentials and no
 * configuration files, and rejects with the command, its exit status and its stderr when it fails
 * or hangs.
 *
 * @example const { stdout } = await runAwsCli(['sts', 'get-caller-identity'], { endpointUrl: sandbox.url, credentials, region: 'eu-west-1' });
 */
export function runAwsCli(args: string[], options: AwsCliOptions): Promise<AwsCliOutput> {
  const readTimeout = options.readTimeoutSeconds ?? 10;
  const connectTimeout = options.connectTimeoutSeconds ?? 5;
  const maxAttempts = options.maxAttempts ?? 2;
  // Past every attempt's connect and read timeouts plus botocore's backoff, the CLI itself is stuck.
  const killAfterMs = (maxAttempts * (readTimeout + connectTimeout) + 5) * 1000;
  const fullArgs = [
    ...args,
    '--endpoint-url',
    options.endpointUrl,
    '--output',
    'json',
    '--cli-read-timeout',
    String(readTimeout),
    '--cli-connect-timeout',
    String(connectTimeout),
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    ...(options.credentials.sessionToken ? { AWS_SESSION_TOKEN: options.credentials.sessionToken } : {}),
    AWS_DEFAULT_REGION: options.region,
    AWS_RETRY_MODE: 'standard',
    AWS_MAX_ATTEMPTS: String(maxAttempts),
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const command = `aws ${args.slice(0, 2).join(' ')} --endpoint-url ${options.endpointUrl}`;
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      fullArgs,
      { encoding: 'utf8', env, timeout: killAfterMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const reason = error.killed
          ? `did not finish within ${killAfterMs / 1000} s and was killed`
          : `exited with status ${error.code ?? 'unknown'}`;
        const hint = /Read timeout|timed out/i.test(stderr)
          ? ` (no answer within ${readTimeout} s: is the endpoint's process blocked, e.g. by a synchronous spawn?)`
          : '';
        reject(new Error(`${command} ${reason}${hint}\n${stderr.trim()}`, { cause: error }));
      },
    );
  });
}
