import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { podIdentityTrust, snapshot } from '../support/snapshot-builder.js';

const scratch = mkdtempSync(join(tmpdir(), 'oversized-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a report larger than one write', () => {
  it('is written to --output whole, byte for byte what stdout gets', async () => {
    // Prepare: 8,000 undeclared associations make a JSON report of several write slices (4 MiB).
    const json = snapshot()
      .account('111122223333', (account) =>
        account.role('app', { trust: podIdentityTrust() }).region('eu-west-1', (region) =>
          region.cluster('blue', {}, (cluster) => {
            for (let index = 0; index < 8000; index++) {
              cluster.association({
                namespace: `team-${index % 40}`,
                serviceAccount: `app-${index}`,
                roleName: 'app',
              });
            }
            cluster.addon('eks-pod-identity-agent');
          }),
        ),
      )
      .build();
    const snapshotPath = join(scratch, 'snapshot.json');
    const baselinePath = join(scratch, 'baseline.yaml');
    writeFileSync(snapshotPath, JSON.stringify(json));
    writeFileSync(
      baselinePath,
      'version: 1\nclusters:\n  prod:\n    account: "111122223333"\n    region: eu-west-1\n    members: [blue]\n',
    );
    const reportPath = join(scratch, 'report.json');
    const args = [
      'audit',
      '--snapshot',
      snapshotPath,
      '--baseline',
      baselinePath,
      '--format',
      'json',
      '--fail-on',
      'none',
    ];

    // Act
    const toFile = await runCli(...args, '--output', reportPath);
    const toStdout = await runCli(...args);

    // Assess: the two runs differ only in their run id and times.
    expect(toFile.code).toBe(0);
    expect(statSync(reportPath).size).toBeGreaterThan(3 * 4 * 2 ** 20);
    const written = readFileSync(reportPath, 'utf8');
    const comparable = (text: string) => ({ ...JSON.parse(text), runId: '', startedAt: '', finishedAt: '' });
    expect(comparable(written)).toEqual(comparable(toStdout.stdout));
    expect(written.endsWith('}\n')).toBe(true);
    expect(JSON.parse(written).summary.byCheck.PI_ASSOCIATION_UNDECLARED).toBe(8000);
  }, 60_000);
});
