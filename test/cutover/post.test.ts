import { describe, expect, it } from 'vitest';
import { type CutoverResult, runCutover } from '../../shared/cutover/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { canAssume } from '../../shared/trust/index.js';
import {
  assumeRoleForPodIdentityEvent,
  irsaWebIdentityEvent,
  mergePolicies,
  oidcIdFor,
  podIdentityTrust,
} from '../support/snapshot-builder.js';
import {
  ACCOUNT,
  baseline,
  EXTERNAL_DNS_SUBJECT,
  irsaTrustOn,
  NEW,
  OLD,
  providerOf,
  REGION,
  roleArn,
  type ScenarioOptions,
  scenario,
  scenarioJson,
} from './scenario.js';

function post(options: ScenarioOptions = {}, since?: Date): CutoverResult {
  return runCutover({
    inventory: scenario(options),
    baseline: baseline(),
    cluster: 'prod',
    from: OLD,
    to: NEW,
    phase: 'post',
    ...(since ? { since } : {}),
  });
}

const ids = (result: CutoverResult) => [...new Set(result.findings.map((finding) => finding.checkId))].sort();

/** A failed AssumeRoleWithWebIdentity: the builder's record with an error code and no credentials. */
function failedWebIdentity(eventTime: string, cluster = NEW) {
  const item = irsaWebIdentityEvent({
    accountId: ACCOUNT,
    region: REGION,
    oidcId: oidcIdFor(cluster),
    namespace: 'kube-system',
    serviceAccount: 'external-dns',
    roleArn: roleArn('external-dns'),
    eventTime,
  });
  const detail = JSON.parse(item.CloudTrailEvent as string);
  detail.errorCode = 'AccessDenied';
  detail.errorMessage = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
  delete detail.responseElements;
  return { ...item, CloudTrailEvent: JSON.stringify(detail) };
}

const clean: ScenarioOptions = { oldDeleted: true, providers: [NEW], externalDnsTrust: irsaTrustOn([NEW]) };

describe('post-phase clean-up', () => {
  it('is clean (READY) when OLD, its provider and its trust are gone', () => {
    const result = post(clean);
    expect(result.verdict).toBe('READY');
    expect(result.findings).toEqual([]);
    expect(result.old.exists).toBe(false);
    expect(result.plan.baseline).toMatchObject({
      members: [NEW],
      yaml: `clusters:\n  prod:\n    members: [${NEW}]\n`,
    });
  });

  it('reports associations left on OLD while it still exists', () => {
    const result = post({ providers: [NEW], externalDnsTrust: irsaTrustOn([NEW]) });
    expect(ids(result)).toEqual(['CUTOVER_OLD_ASSOCIATIONS_LEFT']);
    expect(result.findings).toHaveLength(3);
    expect(result.plan.commands.map((command) => command.command)).toContain(
      `aws eks delete-addon --cluster-name ${OLD} --addon-name aws-efs-csi-driver --region ${REGION}`,
    );
  });

  it('does not report associations of an emptied OLD', () => {
    expect(
      post({ oldEmptied: true, providers: [NEW], externalDnsTrust: irsaTrustOn([NEW]) }).findings,
    ).toEqual([]);
  });

  it("reports roles still trusting OLD's issuer and plans their trust without it", () => {
    const result = post({ oldEmptied: true, providers: [NEW] });
    expect(ids(result)).toEqual(['CUTOVER_OLD_ISSUER_STILL_TRUSTED']);
    const [change] = result.plan.trustPolicies;
    expect(change).toMatchObject({ change: 'remove-old', statements: [0], fits: true });
    expect(change.verification).toMatchObject({ admitsNew: true, keepsOld: true, dropsOld: true });
    const onNew = { kind: 'irsa' as const, providerArn: providerOf(NEW), subject: EXTERNAL_DNS_SUBJECT };
    const onOld = { kind: 'irsa' as const, providerArn: providerOf(OLD), subject: EXTERNAL_DNS_SUBJECT };
    expect(canAssume(change.policy, onNew).allowed).toBe(true);
    expect(canAssume(change.policy, onOld).allowed).toBe(false);
  });

  it('keeps other statements intact when removing OLD', () => {
    const result = post({
      oldEmptied: true,
      providers: [NEW],
      externalDnsTrust: mergePolicies(irsaTrustOn([OLD, NEW]), podIdentityTrust()),
    });
    const policy = result.plan.trustPolicies[0].policy as { Statement: Array<Record<string, unknown>> };
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[1].Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
  });

  it("finds OLD's issuer after OLD is deleted: still trusted, and its provider left behind", () => {
    const result = post({ oldDeleted: true });
    expect(ids(result)).toEqual(['CUTOVER_OLD_ISSUER_STILL_TRUSTED', 'CUTOVER_OLD_OIDC_PROVIDER_LEFT']);
    expect(result.plan.commands.map((command) => command.command)).toContain(
      `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${providerOf(OLD)}`,
    );
  });

  it("reports OLD's provider left behind when no trust names it any more", () => {
    const result = post({ oldDeleted: true, externalDnsTrust: irsaTrustOn([NEW]) });
    expect(ids(result)).toEqual(['CUTOVER_OLD_OIDC_PROVIDER_LEFT']);
  });

  describe('CUTOVER_ASSUME_FAILURES', () => {
    const denied = (eventTime: string, clusterName = NEW) =>
      assumeRoleForPodIdentityEvent({
        accountId: ACCOUNT,
        region: REGION,
        clusterName,
        nodeRoleArn: roleArn(`${NEW}-node`),
        eventTime,
        denied: true,
      });

    it('reports eks-auth AccessDenied and failed web identity on NEW since --since', () => {
      const result = post(
        { ...clean, events: [denied('2026-11-28T10:00:00Z'), failedWebIdentity('2026-11-28T11:00:00Z')] },
        new Date('2026-11-28T00:00:00Z'),
      );
      expect(ids(result)).toEqual(['CUTOVER_ASSUME_FAILURES']);
      expect(result.findings.map((finding) => finding.evidence.kind).sort()).toEqual([
        'pod-identity-agent',
        'web-identity',
      ]);
      const dns = result.workloads.find((workload) => workload.serviceAccount === 'external-dns');
      expect(dns?.status).toBe('blocked');
    });

    it('ignores failures before --since and failures of OLD', () => {
      const result = post(
        {
          ...clean,
          events: [
            denied('2026-11-27T10:00:00Z'),
            denied('2026-11-28T10:00:00Z', OLD),
            failedWebIdentity('2026-11-28T11:00:00Z', OLD),
          ],
        },
        new Date('2026-11-28T00:00:00Z'),
      );
      expect(result.findings).toEqual([]);
      expect(result.verdict).toBe('READY');
    });
  });

  describe("OLD deleted: which dangling providers are OLD's", () => {
    const DEAD_ID = '0F0E0D0C0B0A09080706050403020100';
    function withDeadProvider(tags: Record<string, string>): CutoverResult {
      const json = scenarioJson({ oldDeleted: true, providers: [NEW], externalDnsTrust: irsaTrustOn([NEW]) });
      const url = `oidc.eks.${REGION}.amazonaws.com/id/${DEAD_ID}`;
      const iam = (
        json.accounts as Array<{ accountId: string; iam: { openIdConnectProviders: unknown[] } }>
      ).find((account) => account.accountId === ACCOUNT)?.iam;
      iam?.openIdConnectProviders.push({
        Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`,
        Url: url,
        ClientIDList: ['sts.amazonaws.com'],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      });
      return runCutover({
        inventory: normalizeSnapshot(parseSnapshot(json, 'scenario')),
        baseline: baseline(),
        cluster: 'prod',
        from: OLD,
        to: NEW,
        phase: 'post',
      });
    }

    it('reports a dangling provider whose cluster-name tag names OLD', () => {
      const result = withDeadProvider({ 'alpha.eksctl.io/cluster-name': OLD });
      expect(ids(result)).toEqual(['CUTOVER_OLD_OIDC_PROVIDER_LEFT']);
    });

    it("reports an untagged dangling provider of the region, which may be OLD's", () => {
      expect(ids(withDeadProvider({}))).toEqual(['CUTOVER_OLD_OIDC_PROVIDER_LEFT']);
    });

    it('does not report a dangling provider tagged for another cluster', () => {
      const result = withDeadProvider({ 'alpha.eksctl.io/cluster-name': 'analytics-2024' });
      expect(result.findings).toEqual([]);
      expect(result.verdict).toBe('READY');
    });
  });
});
