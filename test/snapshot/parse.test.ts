import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { irsaTrust, podIdentityTrust, snapshot } from '../support/snapshot-builder.js';

/** Snapshot JSON edited in place at arbitrary paths to inject defects. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary JSON paths
type EditableJson = any;

const ACCOUNT = '111122223333';
const REGION = 'ap-northeast-1';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('expected an InputError');
}

/** Two accounts; the second has three clusters, the third with five associations. */
function twoAccounts() {
  return snapshot()
    .account('444455556666', (a) => a.role('target'))
    .account(ACCOUNT, (a) =>
      a.region(REGION, (r) =>
        r
          .cluster('one')
          .cluster('two')
          .cluster('three', {}, (c) => {
            for (const sa of ['a', 'b', 'c', 'd', 'e'])
              c.association({ namespace: 'default', serviceAccount: sa, roleName: sa });
          }),
      ),
    )
    .build() as EditableJson;
}

describe('parseSnapshot', () => {
  it('accepts a builder snapshot and keeps fields the schema does not name', () => {
    // Prepare
    const json = twoAccounts();
    json.accounts[1].regions[0].clusters[0].cluster.kubernetesNetworkConfig.serviceIpv6Cidr = 'fd00::/108';
    // Act
    const parsed = parseSnapshot(json, 'snapshot.json');
    // Assess
    const cluster = parsed.accounts[1].regions?.[0].clusters?.[0].cluster as EditableJson;
    expect(cluster.kubernetesNetworkConfig.serviceIpv6Cidr).toBe('fd00::/108');
    expect(cluster.endpoint).toMatch(/^https:\/\//);
  });

  it('lists every problem at once, each with its JSON path', () => {
    // Prepare
    const json = twoAccounts();
    json.accounts[1].regions[0].clusters[2].podIdentityAssociations[4].roleArn =
      'arn:aws:iam::111122223333:user/e';
    delete json.accounts[1].regions[0].clusters[1].cluster.name;
    json.accounts[1].regions[0].clusters[0].cluster.createdAt = 'yesterday';
    json.accounts[0].iam.roles[0].AssumeRolePolicyDocument = '%7B%22Version%22';
    json.accounts[1].regions[0].clusters[2].podIdentityAssociation = [];
    json.accounts[1].regions[0].clusters[2].nodegroups = 'none';
    // Act
    const problems = problemsOf(() => parseSnapshot(json, 'snapshot.json'));
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        'snapshot.json accounts[1].regions[0].clusters[2].podIdentityAssociations[4].roleArn: expected an IAM role ARN like arn:aws:iam::123456789012:role/NAME',
        'snapshot.json accounts[1].regions[0].clusters[1].cluster.name: required field is missing',
        'snapshot.json accounts[1].regions[0].clusters[0].cluster.createdAt: expected an ISO-8601 date-time like 2026-11-29T02:00:00Z',
        'snapshot.json accounts[0].iam.roles[0].AssumeRolePolicyDocument: policy document is not valid JSON after URL-decoding',
        'snapshot.json accounts[1].regions[0].clusters[2].podIdentityAssociation: unknown field (misspelt? the snapshot envelope accepts no extra keys)',
        'snapshot.json accounts[1].regions[0].clusters[2].nodegroups: expected an array, got the string "none"',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('reports cross-field inconsistencies together with structural problems', () => {
    // Prepare
    const json = twoAccounts();
    json.accounts[1].regions[0].clusters[2].podIdentityAssociations[0].clusterName = 'other';
    json.accounts[0].iam.roles[0].Arn = 'arn:aws:iam::111122223333:role/target';
    json.accounts[1].regions[0].clusters[1].cluster.arn = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/two`;
    json.accounts.push({ accountId: ACCOUNT, errors: [] });
    json.accounts[1].regions[0].clusters[0].cluster.version = 133;
    // Act
    const problems = problemsOf(() => parseSnapshot(json, 's'));
    // Assess
    expect(problems).toEqual([
      's accounts[1].regions[0].clusters[0].cluster.version: expected a string, got number 133',
      's accounts[0].iam.roles[0].Arn: role belongs to account 111122223333, not to the enclosing account 444455556666',
      's accounts[1].regions[0].clusters[1].cluster.arn: cluster ARN is in region us-east-1, not in the enclosing region ap-northeast-1',
      's accounts[1].regions[0].clusters[2].podIdentityAssociations[0].clusterName: names cluster other, but is listed under cluster three',
      's accounts[2].accountId: duplicate account 111122223333 (also accounts[1])',
    ]);
  });

  it('accepts the three policy encodings and decodes them to the same document', () => {
    // Prepare
    const trust = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: 'ABC',
      subject: 'system:serviceaccount:a:b',
    });
    const json = snapshot()
      .account(ACCOUNT, (a) =>
        a
          .role('url', { trust, encoding: 'url', inlinePolicies: { p: podIdentityTrust() } })
          .role('json', { trust, encoding: 'json', inlinePolicies: { p: podIdentityTrust() } })
          .role('object', { trust, encoding: 'object', inlinePolicies: { p: podIdentityTrust() } }),
      )
      .build();
    const roles = (json.accounts[0] as EditableJson).iam.roles;
    expect(typeof roles[0].AssumeRolePolicyDocument).toBe('string');
    expect(roles[0].AssumeRolePolicyDocument.startsWith('%7B')).toBe(true);
    expect(roles[1].AssumeRolePolicyDocument.startsWith('{')).toBe(true);
    expect(typeof roles[2].AssumeRolePolicyDocument).toBe('object');
    // Act
    const inventory = normalizeSnapshot(parseSnapshot(json, 'test'));
    // Assess
    for (const name of ['url', 'json', 'object']) {
      const role = inventory.roles.get(`arn:aws:iam::${ACCOUNT}:role/${name}`);
      expect(role?.trustPolicy).toEqual(trust);
      expect(role?.inlinePolicies).toEqual([{ name: 'p', document: podIdentityTrust() }]);
    }
  });

  it('rejects policy documents that do not decode, at their own paths', () => {
    // Prepare
    const json = snapshot()
      .account(ACCOUNT, (a) => a.role('r', { inlinePolicies: { p: podIdentityTrust() } }))
      .build() as EditableJson;
    json.accounts[0].iam.roles[0].AssumeRolePolicyDocument = '{"Version": ';
    json.accounts[0].iam.roles[0].RolePolicyList[0].PolicyDocument = 42;
    // Act
    const problems = problemsOf(() => parseSnapshot(json, 'snap.json'));
    // Assess
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^snap\.json accounts\[0\]\.iam\.roles\[0\]\.AssumeRolePolicyDocument: /);
    expect(problems[1]).toBe(
      'snap.json accounts[0].iam.roles[0].RolePolicyList[0].PolicyDocument: expected a policy document (URL-encoded JSON, a JSON string or an object)',
    );
  });

  it('rejects a policy document that decodes to something other than an object', () => {
    const json = snapshot()
      .account(ACCOUNT, (a) => a.role('r'))
      .build() as EditableJson;
    json.accounts[0].iam.roles[0].AssumeRolePolicyDocument = '%5B1%5D';
    expect(problemsOf(() => parseSnapshot(json, 's'))).toEqual([
      's accounts[0].iam.roles[0].AssumeRolePolicyDocument: policy document must decode to a JSON object',
    ]);
  });

  it('names the unsupported version and reports nothing else', () => {
    // Prepare
    const json = { ...snapshot().build(), snapshotVersion: 2, accounts: 'whatever' };
    // Act
    const problems = problemsOf(() => parseSnapshot(json, 'old.json'));
    // Assess
    expect(problems).toEqual([
      'old.json snapshotVersion: unsupported snapshot format: found snapshotVersion 2, this version of eks-identity-audit reads snapshotVersion 1',
    ]);
    expect(problemsOf(() => parseSnapshot({ accounts: [] }, 'x.json'))[0]).toContain(
      'found no snapshotVersion',
    );
    expect(
      problemsOf(() => parseSnapshot({ ...snapshot().build(), snapshotVersion: '1' }, 'x.json'))[0],
    ).toContain('found snapshotVersion "1"');
  });

  it('rejects a document that is not an object', () => {
    expect(problemsOf(() => parseSnapshot([1, 2], 'list.json'))).toEqual([
      'list.json: expected a JSON object with snapshotVersion, capturedAt and accounts, got an array',
    ]);
  });

  it('accepts an account whose AssumeRole failed with only accountId and errors', () => {
    const parsed = parseSnapshot(snapshot().failedAccount('777788889999').build(), 'test');
    expect(Object.keys(parsed.accounts[0]).sort()).toEqual(['accountId', 'errors']);
  });

  it('validates collection errors and rejects malformed ones', () => {
    const json = snapshot()
      .account(ACCOUNT, (a) => a.region(REGION))
      .build() as EditableJson;
    json.accounts[0].regions[0].errors.push({ service: 'eks', operation: 'ListClusters', message: 'denied' });
    expect(problemsOf(() => parseSnapshot(json, 's'))).toEqual([
      's accounts[0].regions[0].errors[0].code: required field is missing',
    ]);
  });

  it('accepts dates as the SDK serializes them, with milliseconds or an offset', () => {
    const json = snapshot({ capturedAt: '2026-11-29T02:00:00.000Z' })
      .account(ACCOUNT, (a) => a.role('r', { createDate: '2025-01-15T09:30:00+09:00' }))
      .build();
    expect(() => parseSnapshot(json, 's')).not.toThrow();
    expect(problemsOf(() => parseSnapshot({ ...json, capturedAt: '2026-11-29' }, 's'))).toEqual([
      's capturedAt: expected an ISO-8601 date-time like 2026-11-29T02:00:00Z',
    ]);
  });
});
