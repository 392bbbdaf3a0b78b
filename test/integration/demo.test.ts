import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../shared/report/types.js';

/**
 * `npm run demo` end to end, as a user runs it: a separate process with no AWS account, no
 * credentials and no configuration, that must print the table, write the reports and exit 0.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKLOADS = '222233334444';
const PROD_GREEN = `arn:aws:eks:eu-west-1:${WORKLOADS}:cluster/prod-green`;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (a blocking spawn would stall this worker for the whole demo). */
function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'eks-identity-audit.js'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not finish within ${timeoutMs} ms; stderr so far:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The environment of a user with no AWS setup at all. */
function bareEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

describe('npm run demo', () => {
  let directory: string;
  let outputDir: string;
  let run: Finished;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'demo-'));
    outputDir = join(directory, 'reports');
    run = await runCli(['demo', '--output-dir', outputDir], bareEnvironment(directory), 80_000);
  }, 90_000);

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('exits 0 without any AWS account or credentials', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/error:|credential/i);
  });

  it('prints the table report with the blue/green drift of the demo organization', () => {
    const lines = run.stdout.split('\n');
    const finding = (checkId: string, resource: string) =>
      lines.some((line) => line.includes(checkId) && line.includes(resource));

    expect(lines[0]).toBe('EKS workload identity audit');
    // Every ACTIVE account AWS Organizations lists (the security account too), not only the baseline's.
    expect(run.stdout).toContain('Scopes: 15 complete, 0 incomplete');
    expect(run.stderr).toMatch(
      /AWS Organizations o-[a-z0-9]+: 3 ACTIVE account\(s\) to audit, 1 not ACTIVE, 0 excluded/,
    );
    expect(finding('PI_ASSOCIATION_MISSING', `${PROD_GREEN}/serviceaccount/orders/orders-worker`)).toBe(true);
    expect(finding('PI_ASSOCIATION_MISSING', `${PROD_GREEN}/serviceaccount/payments/payments-api`)).toBe(
      false,
    );
    expect(
      finding('IRSA_BINDING_MISSING', `${PROD_GREEN}/serviceaccount/kube-system/ebs-csi-controller-sa`),
    ).toBe(true);
    expect(finding('PI_AGENT_MISSING', PROD_GREEN)).toBe(true);
    expect(finding('PI_ASSOCIATION_CHANGED', `podidentityassociation/prod-blue/`)).toBe(true);
    expect(finding('IRSA_SUBJECT_WILDCARD', 'role/crossplane-provider-aws')).toBe(true);
    expect(run.stdout).toMatch(/^SUPPRESSED \(1\)$/m);
    // stdout is a pipe here: no colour codes in the report.
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('says on stderr where the HTML and JSON reports are, and they match the table', async () => {
    const htmlFile = join(outputDir, 'demo-report.html');
    const jsonFile = join(outputDir, 'demo-report.json');

    expect(run.stderr).toContain(`HTML report written to ${htmlFile}\n`);
    expect(run.stderr).toContain(`JSON report written to ${jsonFile}\n`);
    expect((await stat(htmlFile)).size).toBeGreaterThan(10_000);
    const report = ReportSchema.parse(JSON.parse(await readFile(jsonFile, 'utf8')));
    expect(run.stdout).toContain(`Findings: ${report.summary.total} (`);
    expect(run.stdout).toContain(`Run ${report.runId}`);
    const html = await readFile(htmlFile, 'utf8');
    for (const item of report.findings) expect(html).toContain(item.id);
  });

  it('writes an HTML report that loads nothing from outside the file', async () => {
    const html = await readFile(join(outputDir, 'demo-report.html'), 'utf8');

    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Only links the reader may follow; nothing the browser fetches by itself.
    expect(html).not.toMatch(/<(script|img|iframe|embed|object|audio|video|source)\b[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(|@import/i);
    // The inline style and script are the ones the page's own Content-Security-Policy allows.
    const policy = /http-equiv="Content-Security-Policy" content="([^"]*)"/
      .exec(html)?.[1]
      .replaceAll('&#39;', "'");
    expect(policy).toContain("default-src 'none'");
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]);
    expect(styles.length).toBeGreaterThan(0);
    for (const style of styles) expect(policy).toContain(`style-src 'sha256-${sha256Base64(style)}'`);
    for (const script of scripts) expect(policy).toContain(`script-src 'sha256-${sha256Base64(script)}'`);
  });
});
