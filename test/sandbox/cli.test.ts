import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/eks-identity-audit.js');

describe('eks-identity-audit sandbox', () => {
  it('prints the URL once listening, then credentials that work, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'sandbox', '--scenario', 'demo', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('aws sts get-caller-identity')) resolve();
      });
      child.on('exit', () => reject(new Error(`sandbox exited early: ${output}`)));
    });
    try {
      const url = /^sandbox listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
      expect(url).toBeDefined();
      const value = (name: string) => new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(output)?.[1] ?? '';
      const sts = new STSClient({
        endpoint: url,
        region: value('AWS_REGION'),
        credentials: {
          accessKeyId: value('AWS_ACCESS_KEY_ID'),
          secretAccessKey: value('AWS_SECRET_ACCESS_KEY'),
          sessionToken: value('AWS_SESSION_TOKEN'),
        },
      });
      expect(value('AWS_ENDPOINT_URL')).toBe(url);
      expect(output).toContain(
        '# member role: EksIdentityAuditReadOnly, external id: eks-identity-audit-demo',
      );
      expect(output).toMatch(
        /^npx eks-identity-audit audit --baseline s3:\/\/eks-identity-audit-demo-111122223333\/baseline\.yaml --role-name EksIdentityAuditReadOnly --external-id eks-identity-audit-demo$/m,
      );
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe('arn:aws:sts::111122223333:assumed-role/EksIdentityAuditor/operator');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
