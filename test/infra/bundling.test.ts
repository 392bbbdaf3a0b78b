import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFunction,
  FUNCTION_BUNDLE_OPTIONS,
  JAPANESE_CATALOGUE_FILE,
  BUNDLE_PROJECT_ROOT as PROJECT_ROOT,
  YAML_LIBRARY_FILE,
} from '../../infra/bundling.js';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { checks } from '../../shared/checks/index.js';
import { catalogueFor, type Language } from '../../shared/i18n/index.js';

const outdirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eks-identity-audit-bundle-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `script`, an ES module that imports the bundle named by `BUNDLE_URL`, in a fresh Node
 * process as Lambda would load it. Asynchronously: a sandbox answering the child runs in this process.
 */
function runWithBundle(bundle: { file: string }, script: string, env: Record<string, string> = {}) {
  return promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', BUNDLE_URL: pathToFileURL(bundle.file).href, ...env },
  });
}

/** The source files esbuild put into a bundle. */
function inputsOf(bundle: Awaited<ReturnType<typeof bundleFunction>>): string[] {
  return Object.values(bundle.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
}

describe('function bundles', () => {
  it('are minified ESM with the AWS SDK inside, and carry neither zod locales nor the X-Ray SDK', async () => {
    // Act
    const bundle = await bundleFunction('cutover-check', tempDir());

    // Assess
    expect(FUNCTION_BUNDLE_OPTIONS).toMatchObject({ format: 'esm', minify: true, bundle: true });
    const inputs = inputsOf(bundle);
    expect(inputs.some((path) => path.includes('node_modules/@aws-sdk/client-eks/'))).toBe(true);
    expect(inputs.filter((path) => path.includes('zod/v4/locales/') && !path.endsWith('/en.js'))).toEqual([]);
    expect(inputs.filter((path) => path.includes('aws-xray-sdk'))).toEqual([]);
  }, 60_000);

  it('would carry every zod locale without the namespace-import rewrite (near miss)', async () => {
    const bundle = await bundleFunction('cutover-check', tempDir(), { plugins: [] });
    expect(inputsOf(bundle).some((path) => path.endsWith('zod/v4/locales/he.js'))).toBe(true);
  }, 60_000);
});

/** Project sources a bundle may drop unused modules from (see projectModulesWithoutSideEffects). */
function projectSources(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

describe('the Japanese catalogue in a bundle', () => {
  it('is a file of its own, read when a run in Japanese first asks for it', async () => {
    // Prepare: a handler that only reads the catalogue, bundled as the functions are.
    const outdir = tempDir();
    const bundle = await bundleFunction('analyze-publish', outdir, {
      entryPoints: { index: join(PROJECT_ROOT, 'test/infra/fixtures/catalogue-handler.ts') },
    });
    const probe = `
      const { handler } = await import(process.env.BUNDLE_URL);
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(process.env.BUNDLE_URL).cache).filter((path) => path.endsWith('${JAPANESE_CATALOGUE_FILE}')).length;
      const en = await handler({ language: 'en' });
      const before = loaded();
      const ja = await handler({ language: 'ja' });
      process.stdout.write(JSON.stringify({ en, ja, before, after: loaded() }));
    `;

    // Act
    const run = await runWithBundle(bundle, probe);

    // Assess
    const result = JSON.parse(run.stdout);
    const fromSource = (language: Language) =>
      catalogueFor(
        language,
        checks.map((check) => check.meta),
      );
    expect(result.en.title).toBe(fromSource('en').checks.PI_ASSOCIATION_MISSING.title);
    expect(result.ja.title).toBe(fromSource('ja').checks.PI_ASSOCIATION_MISSING.title);
    expect(result.ja.checks).toBe(Object.keys(fromSource('ja').checks).length);
    expect(result).toMatchObject({ before: 0, after: 1 });
    const readAtImport = bundle.loadedAtImport.flatMap((output) =>
      Object.keys(bundle.metafile.outputs[output].inputs),
    );
    // The texts stay out of what the import reads; only the stand-in that requires them is in.
    expect(readAtImport.filter((path) => /i18n\/ja-(checks|findings|messages)\.ts$/.test(path))).toEqual([]);
    expect(statSync(join(outdir, JAPANESE_CATALOGUE_FILE)).size).toBeGreaterThan(50_000);
  }, 60_000);
});

describe('the position-aware YAML parser in a bundle', () => {
  it('is a file of its own, read only to locate the problems of a baseline', async () => {
    // Prepare: a handler that only reads a baseline, bundled as the functions are.
    const outdir = tempDir();
    const bundle = await bundleFunction('cutover-check', outdir, {
      entryPoints: { index: join(PROJECT_ROOT, 'test/infra/fixtures/baseline-handler.ts') },
    });
    const valid =
      'version: 1\nclusters:\n  prod: {account: "111122223333", region: eu-west-1, members: [prod-blue]}\npodIdentity:\n  - {cluster: prod, namespace: payments, serviceAccount: api, roleArn: "arn:aws:iam::111122223333:role/api"}\n';
    const invalid = valid.replace('namespace: payments', 'namespace: Payments');
    const probe = `
      const { handler } = await import(process.env.BUNDLE_URL);
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(process.env.BUNDLE_URL).cache).filter((path) => path.endsWith('${YAML_LIBRARY_FILE}')).length;
      const valid = await handler({ text: ${JSON.stringify(valid)} });
      const before = loaded();
      const invalid = await handler({ text: ${JSON.stringify(invalid)} });
      process.stdout.write(JSON.stringify({ valid, invalid, before, after: loaded() }));
    `;

    // Act
    const run = await runWithBundle(bundle, probe);

    // Assess
    const result = JSON.parse(run.stdout);
    expect(result.valid).toEqual({ bindings: 1 });
    expect(result.invalid.problems).toEqual([
      expect.stringMatching(
        /^baseline\.yaml:5:32 podIdentity\[0\]\.namespace: expected a Kubernetes namespace name/,
      ),
    ]);
    expect(result).toMatchObject({ before: 0, after: 1 });
    const readAtImport = bundle.loadedAtImport.flatMap((output) =>
      Object.keys(bundle.metafile.outputs[output].inputs),
    );
    expect(readAtImport.filter((path) => path.includes('node_modules/yaml/'))).toEqual([]);
  }, 60_000);
});

describe('modules treated as side-effect free', () => {
  it('are never imported only for their side effects', () => {
    const bare = ['shared', 'functions']
      .flatMap(projectSources)
      .filter((file) => /^import\s+['"]/m.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')));
    expect(bare).toEqual([]);
  });
});

describe('a bundled handler', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: 'demo', limits: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  /** Credentials, region and endpoint of the sandbox, as a function's environment gives them. */
  function sandboxEnvironment(): Record<string, string> {
    const { accessKeyId, secretAccessKey, sessionToken } = sandbox.credentials;
    return {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: sandbox.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  it('runs a cutover check against the sandbox in a fresh Node process, as Lambda would load it', async () => {
    // Prepare
    const bundle = await bundleFunction('cutover-check', tempDir());
    const invoke = `
      const { handler } = await import(process.env.BUNDLE_URL);
      const context = { functionName: 'cutover-check', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:cutover-check', memoryLimitInMB: '1536', getRemainingTimeInMillis: () => 600000 };
      const result = await handler({ cluster: 'prod', from: 'prod-blue', to: 'prod-green' }, context);
      process.stdout.write(JSON.stringify({ verdict: result.verdict, workloads: result.workloads.length }));
    `;

    // Act
    const run = await runWithBundle(bundle, invoke, {
      ...sandboxEnvironment(),
      AUDIT_BUCKET: 'eks-identity-audit-demo-111122223333',
      BASELINE_KEY: 'baseline.yaml',
      MEMBER_ROLE_NAME: 'EksIdentityAuditReadOnly',
      EXTERNAL_ID: 'eks-identity-audit-demo',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });

    // Assess
    expect(run.stderr).not.toMatch(/Error/);
    const result = JSON.parse(run.stdout) as { verdict: string; workloads: number };
    expect(['READY', 'NOT_READY']).toContain(result.verdict);
    expect(result.workloads).toBeGreaterThan(0);
  }, 120_000);

  it('imports a finding into Security Hub and reads it back with the trimmed SDK schemas', async () => {
    // Prepare: the Security Hub client bundled as the functions bundle it, schemas trimmed.
    const bundle = await bundleFunction('analyze-publish', tempDir(), {
      entryPoints: { index: join(PROJECT_ROOT, 'test/infra/fixtures/security-hub-handler.ts') },
    });
    const inputs = inputsOf(bundle);
    const invoke = `
      const { handler } = await import(process.env.BUNDLE_URL);
      process.stdout.write(JSON.stringify(await handler()));
    `;

    // Act
    const run = await runWithBundle(bundle, invoke, sandboxEnvironment());

    // Assess
    expect(inputs.some((path) => path.includes('client-securityhub/dist-es/schemas/'))).toBe(true);
    expect(JSON.parse(run.stdout)).toEqual({
      imported: 1,
      failed: 0,
      found: [{ title: 'Role trusts every service account of the cluster', severity: 'HIGH', role: 'app' }],
    });
    // Schemas of operations the handler never calls are left out.
    expect(readFileSync(bundle.file, 'utf8')).not.toContain('AcceptAdministratorInvitationRequest');
  }, 120_000);
});
