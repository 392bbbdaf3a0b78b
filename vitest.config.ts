import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { VIRTUAL_TIME_VARIABLE } from './shared/clock.js';

/**
 * The suite in four projects, each with the workers its tests need. `npm test` runs them all, one
 * project after the other (projects with different worker counts cannot share a pool).
 *
 * - unit: pure functions of their inputs; CPU-bound, one worker per core, and the files of a
 *   worker share one module graph (unit-isolated: the few whose modules keep process-wide state).
 * - sandbox: tests that serve AWS from the in-process sandbox (collectors, the CLI run in-process,
 *   the Lambda handlers, publishing). They run on virtual time: the process's default clock is one
 *   shared virtual clock, so pacing, SDK retry waits, Lambda deadlines and the sandbox's limits
 *   and latency keep their exact timelines while waiting no real time; a test that is about real
 *   time (a socket timeout) passes `systemClock` where it needs it. Mostly waiting on sockets and
 *   child processes, so more workers than cores.
 * - infra: CDK synthesis in-process (and cfn-lint over the templates); CPU- and memory-bound.
 * - process: tests that run child processes (bin/, cdk, esbuild, the aws CLI, moto) against real
 *   time; the children do the work, so more workers than cores.
 *
 * A new test file goes to unit unless it is listed below.
 */
const SANDBOX = [
  'test/publish/import-queue-sandbox.test.ts',
  'test/aws/clients.test.ts',
  'test/cli/audit-ledger.test.ts',
  'test/cli/aws-failures.test.ts',
  'test/cli/walkthrough.test.ts',
  'test/collect/organizations.test.ts',
  'test/cutover/handler.test.ts',
  'test/e2e/nightly.test.ts',
  'test/functions/organization-scale.test.ts',
  'test/functions/steps.test.ts',
  'test/functions/trail-plan.test.ts',
  'test/integration/collect-cli.test.ts',
  'test/integration/collect-paging.test.ts',
  'test/integration/collect-sandbox.test.ts',
  'test/integration/live-audit.test.ts',
  'test/publish/cli-options.test.ts',
  'test/publish/publish-run.test.ts',
  'test/reliability/faults-cli.test.ts',
  'test/reliability/faults-matrix.test.ts',
  'test/reliability/faults-runs.test.ts',
  'test/reliability/lambda-timeout.test.ts',
  'test/reliability/lambda-validation.test.ts',
  'test/reliability/security-least-privilege.test.ts',
  'test/reliability/security-logs.test.ts',
  'test/sandbox/cloudtrail.test.ts',
  'test/sandbox/collection-steps.test.ts',
  'test/sandbox/eks.test.ts',
  'test/sandbox/faults.test.ts',
  'test/sandbox/publish.test.ts',
  'test/sandbox/s3.test.ts',
  'test/sandbox/scenario.test.ts',
  'test/sandbox/sts-iam.test.ts',
  'test/usage/incremental-cli.test.ts',
  'test/usage/incremental.test.ts',
  'test/usage/org-trail-sandbox.test.ts',
];
const INFRA = [
  'test/infra/audit-stack.test.ts',
  'test/infra/config.test.ts',
  'test/infra/least-privilege.test.ts',
  'test/infra/nag.test.ts',
  'test/infra/org-trail-stack.test.ts',
  'test/infra/synth.test.ts',
];
const PROCESS = [
  'test/cli/report-writer-signal.test.ts',
  'test/cli/start-up.test.ts',
  'test/foundation/text-sh.test.ts',
  'test/infra/bundling.test.ts',
  'test/integration/collect-moto.test.ts',
  'test/integration/demo.test.ts',
  'test/reliability/fuzz-cli.test.ts',
  'test/reliability/oversized-snapshot.test.ts',
  'test/report/html-browser.test.ts',
  'test/sandbox/aws-cli.test.ts',
  'test/sandbox/cli.test.ts',
  'test/support/aws-cli.test.ts',
];

/** Unit tests of modules that keep process-wide state (the functions' logger and metrics). */
const UNIT_ISOLATED = ['test/functions/lib/**/*.test.ts', 'test/audit/retention.test.ts'];

const cores = availableParallelism();
/** Tests that mostly wait on sockets or child processes share the cores with more workers. */
const waitingWorkers = cores + 1;

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Some set-ups synthesize the CDK app with its bundles, real work that a busy machine slows down.
    hookTimeout: 120_000,
    // The CLI takes its default report language from the locale: every test starts from English.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      LC_ALL: 'C.UTF-8',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'sandbox',
          include: SANDBOX,
          maxWorkers: waitingWorkers,
          sequence: { groupOrder: 0 },
          env: { [VIRTUAL_TIME_VARIABLE]: '1' },
        },
      },
      {
        extends: true,
        test: { name: 'process', include: PROCESS, maxWorkers: waitingWorkers, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'infra', include: INFRA, maxWorkers: cores, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...SANDBOX, ...INFRA, ...PROCESS, ...UNIT_ISOLATED],
          maxWorkers: cores,
          // Pure modules: the files of a worker share one module graph instead of loading it each.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-isolated',
          include: UNIT_ISOLATED,
          maxWorkers: cores,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
