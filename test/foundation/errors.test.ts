import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AssumeRoleError } from '../../shared/aws/credentials.js';
import { LedgerConflictError, LedgerStoreError } from '../../shared/collect/usage/store.js';
import { AuditError, InputError } from '../../shared/errors.js';
import { RunRecordError } from '../../shared/publish/report-store.js';
import { TooComplexError } from '../../shared/trust/automaton.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('one error hierarchy', () => {
  it('has every error class of the code extend AuditError, which alone extends Error', () => {
    const direct: string[] = [];
    let classes = 0;
    for (const file of ['shared', 'functions', 'cli', 'sandbox', 'infra'].flatMap((dir) =>
      sourceFiles(join(root, dir)),
    )) {
      for (const match of readFileSync(file, 'utf8').matchAll(
        /class (\w+) extends (\w*Error|Irregular)\b/g,
      )) {
        classes += 1;
        if (match[2] === 'Error') direct.push(`${relative(root, file)}: ${match[1]}`);
      }
    }
    expect(classes).toBeGreaterThanOrEqual(16);
    expect(direct).toEqual(['shared/errors.ts: AuditError']);
  });

  it('keeps each class its name, its instanceof and its message, and carries the cause', () => {
    const sts = Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    const assume = new AssumeRoleError('arn:aws:iam::111122223333:role/audit-read', { cause: sts });
    expect(assume).toBeInstanceOf(AssumeRoleError);
    expect(assume).toBeInstanceOf(AuditError);
    expect(assume).toBeInstanceOf(Error);
    expect(assume).not.toBeInstanceOf(InputError);
    expect(assume.name).toBe('AssumeRoleError');
    expect(assume.message).toBe(
      'cannot assume arn:aws:iam::111122223333:role/audit-read: User is not authorized to perform: sts:AssumeRole',
    );
    expect(assume.cause).toBe(sts);

    const input = new InputError('baseline.yaml: invalid', ['baseline.yaml:3:5 clusters.prod: expected'], {
      cause: sts,
    });
    expect([input.name, input.problems, input.cause]).toEqual([
      'InputError',
      ['baseline.yaml:3:5 clusters.prod: expected'],
      sts,
    ]);
    expect(input).toBeInstanceOf(AuditError);

    for (const [error, name] of [
      [new LedgerStoreError('ledger 111122223333/us-east-1: unreadable', { cause: sts }), 'LedgerStoreError'],
      [new LedgerConflictError('lost the race'), 'LedgerConflictError'],
      [new RunRecordError('latest.json: not a run record'), 'RunRecordError'],
      [new TooComplexError(), 'TooComplexError'],
    ] as const) {
      expect(error).toBeInstanceOf(AuditError);
      expect(error.name).toBe(name);
    }
    expect(new LedgerStoreError('x', { cause: sts }).cause).toBe(sts);
    expect(new LedgerConflictError('x')).not.toBeInstanceOf(LedgerStoreError);
    expect(new TooComplexError().message).toBe(
      'the patterns are too complex to decide within the analysis budget',
    );
  });
});
