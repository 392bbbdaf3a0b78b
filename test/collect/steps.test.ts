import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MEMBER_ROLE_ACTIONS } from '../../shared/collect/operations.js';
import { RequestPacer } from '../../shared/collect/pacing.js';
import { COLLECTED_SERVICES } from '../../shared/collect/services.js';
import { COLLECTION_STEP_LIST, COLLECTION_STEPS, stepsAt } from '../../shared/collect/steps.js';

/** The actions the README's member-role paragraph lists, in backticks. */
function readmeMemberActions(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('The read-only member role needs exactly these actions');
  if (start < 0) throw new Error('README.md: the member-role paragraph is missing');
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
  return [...paragraph.matchAll(/`([a-z0-9-]+:[A-Za-z0-9]+)`/g)].map((match) => match[1]);
}

describe('the collection table', () => {
  it('derives the member role: the List and Describe of every row, each once, and nothing else', () => {
    expect(MEMBER_ROLE_ACTIONS).toEqual([
      'cloudtrail:LookupEvents',
      'eks:DescribeAddon',
      'eks:DescribeCluster',
      'eks:DescribeFargateProfile',
      'eks:DescribeNodegroup',
      'eks:DescribePodIdentityAssociation',
      'eks:ListAddons',
      'eks:ListClusters',
      'eks:ListFargateProfiles',
      'eks:ListNodegroups',
      'eks:ListPodIdentityAssociations',
      'iam:GetAccountAuthorizationDetails',
      'iam:GetOpenIDConnectProvider',
      'iam:ListOpenIDConnectProviders',
    ]);
  });

  it('is the policy the README documents for the member role', () => {
    const documented = readmeMemberActions();
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...MEMBER_ROLE_ACTIONS]);
  });

  it('names for every operation the SDK command that sends it', () => {
    for (const step of COLLECTION_STEP_LIST) {
      for (const call of [step.list, step.describe]) {
        if (call) expect(call.command.name, call.operation).toBe(`${call.operation}Command`);
      }
    }
  });

  it('gives every row a paced service, and the pacer a lane of each service per scope', () => {
    const pacer = new RequestPacer();
    for (const step of COLLECTION_STEP_LIST) {
      expect(Object.keys(COLLECTED_SERVICES)).toContain(step.service);
      pacer.lane(step.service, '222233334444', 'eu-west-1');
    }
    expect(pacer.laneEntries().map(([key]) => key)).toEqual([
      'cloudtrail/222233334444/eu-west-1',
      'eks/222233334444/eu-west-1',
      'iam/222233334444',
    ]);
  });

  it("fills the EKS cluster's snapshot members from its cluster-level rows, in table order", () => {
    expect(stepsAt('eks', 'cluster').map((step) => step.into)).toEqual([
      'podIdentityAssociations',
      'addons',
      'nodegroups',
      'fargateProfiles',
    ]);
    expect(stepsAt('eks', 'region')).toEqual([COLLECTION_STEPS.clusters]);
  });

  it('asks every paged List for its documented maximum page size', () => {
    const sizes = Object.fromEntries(
      COLLECTION_STEP_LIST.flatMap((step) =>
        step.list.paging ? [[step.list.operation, step.list.paging.pageSize]] : [],
      ),
    );
    expect(sizes).toEqual({
      GetAccountAuthorizationDetails: 1000,
      ListClusters: 100,
      ListPodIdentityAssociations: 100,
      ListAddons: 100,
      ListNodegroups: 100,
      ListFargateProfiles: 100,
      LookupEvents: 50,
    });
  });
});
