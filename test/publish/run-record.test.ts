import { describe, expect, it } from 'vitest';
import { parseRunRecordLines, type RunRecord, runRecordChunks } from '../../shared/publish/record.js';

const record: RunRecord = {
  recordVersion: 1,
  runId: 'run-2026-11-29',
  finishedAt: '2026-11-29T02:05:00Z',
  keys: {
    json: 'reports/2026/11/29/run-2026-11-29.json',
    markdown: 'reports/2026/11/29/run-2026-11-29.md',
    html: 'reports/2026/11/29/run-2026-11-29.html',
  },
  findings: [
    {
      id: 'f-1',
      checkId: 'IRSA_SUBJECT_WILDCARD',
      severity: 'HIGH',
      title: 'IRSA trust of payments-api uses a wildcard subject',
      message: 'a "quoted", multi\nline message]}',
      accountId: '111122223333',
      resource: { type: 'AwsIamRole', id: 'arn:aws:iam::111122223333:role/payments-api' },
      firstSeenAt: '2026-11-28T02:05:00Z',
    },
    {
      id: 'f-2',
      checkId: 'PI_TRUST_MISSING',
      severity: 'CRITICAL',
      title: 'Pod Identity role does not trust the EKS service',
      message: 'ends with a comma,',
      accountId: '111122223333',
      resource: { type: 'AwsIamRole', id: 'arn:aws:iam::111122223333:role/orders' },
      firstSeenAt: '2026-11-29T02:05:00Z',
      securityHubImported: true,
    },
  ],
  history: [],
} as unknown as RunRecord;

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

describe('the stored run record', () => {
  it('is JSON with one finding per line, and reads back finding by finding', async () => {
    const text = [...runRecordChunks(record)].join('');

    expect(JSON.parse(text)).toEqual(record);
    expect(text.split('\n')).toHaveLength(record.findings.length + 3);
    expect(await parseRunRecordLines(linesOf(text))).toEqual(record);
  });

  it('reads back a record without findings', async () => {
    const empty = { ...record, findings: [] };
    const text = [...runRecordChunks(empty)].join('');

    expect(JSON.parse(text)).toEqual(empty);
    expect(await parseRunRecordLines(linesOf(text))).toEqual(empty);
  });

  it('still reads a record written as one line, as earlier versions did', async () => {
    expect(await parseRunRecordLines(linesOf(`${JSON.stringify(record)}\n`))).toEqual(record);
    expect(await parseRunRecordLines(linesOf(JSON.stringify(record, null, 2)))).toEqual(record);
  });

  it('refuses a record cut short, a broken finding line or text after its end', async () => {
    const lines = [...runRecordChunks(record)].join('').split('\n');

    await expect(parseRunRecordLines(linesOf(lines.slice(0, 2).join('\n')))).rejects.toThrow(SyntaxError);
    await expect(
      parseRunRecordLines(linesOf([lines[0], '{"id": "f-1",', ...lines.slice(2)].join('\n'))),
    ).rejects.toThrow(SyntaxError);
    await expect(parseRunRecordLines(linesOf(`${lines.join('\n')}{}`))).rejects.toThrow(SyntaxError);
    await expect(parseRunRecordLines(linesOf(''))).rejects.toThrow(SyntaxError);
  });
});
