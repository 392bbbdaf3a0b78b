import type { ClientFactory } from '../aws/clients.js';

/** How the calls of one service are paced: the scope its rate limit applies to and the rate's option. */
export interface PacedServiceSpec {
  /**
   * Where the service's rate limit applies, and so what one request lane covers: `account` for a
   * global service (IAM: one lane per account whatever the region), `region` for a regional one.
   */
  rateScope: 'account' | 'region';
  /** The {@link PacingOptions} member that sets the lane's requests per second. */
  rateOption: 'eksPerSecond' | 'iamPerSecond' | 'lookupEventsPerSecond';
  /**
   * `sequential`: the service's calls in one lane come one after another (CloudTrail's pages follow
   * each other's `NextToken`, and its lookups share the bucket, so running them one after another
   * costs no throughput); a lane then needs no in-flight limit of its own and its priority for a
   * free slot is always one call at its rate. `concurrent`: many calls at once, up to the per-lane
   * limit, with the backlog as priority.
   */
  calls: 'sequential' | 'concurrent';
  /** The factory's client of the service, acting in the account (in the region for a regional one). */
  client(
    factory: ClientFactory,
    accountId: string,
    region: string,
  ): { send(command: never): Promise<unknown> };
}

/**
 * The services the collectors call in member accounts, with how each one's calls are paced. The
 * request pacer has one kind of lane per entry (`eks/ACCOUNT/REGION`, `iam/ACCOUNT`,
 * `cloudtrail/ACCOUNT/REGION`); every collection step names one of them.
 */
export const COLLECTED_SERVICES = {
  eks: {
    rateScope: 'region',
    rateOption: 'eksPerSecond',
    calls: 'concurrent',
    client: (factory, accountId, region) => factory.eks(accountId, region),
  },
  iam: {
    rateScope: 'account',
    rateOption: 'iamPerSecond',
    calls: 'concurrent',
    client: (factory, accountId) => factory.iam(accountId),
  },
  cloudtrail: {
    rateScope: 'region',
    rateOption: 'lookupEventsPerSecond',
    calls: 'sequential',
    client: (factory, accountId, region) => factory.cloudTrail(accountId, region),
  },
} as const satisfies Record<string, PacedServiceSpec>;

/** A service the collectors call, named as in IAM action prefixes. */
export type CollectedService = keyof typeof COLLECTED_SERVICES;
