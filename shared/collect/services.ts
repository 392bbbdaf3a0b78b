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
   * `chained`: the service's calls in one lane are a few chains of pages, each page following the
   * previous one's token (CloudTrail: one chain per lookup, all of an account-region's lookups at
   * once, so one lookup's round trip never leaves the lane's rate unused); one call at a time waits
   * with its token for an in-flight slot, and its priority for a free slot is always one call at
   * its rate. `concurrent`: many calls at once, the per-lane limit holding how
   * many wait with a token, with the backlog as priority.
   */
  calls: 'chained' | 'concurrent';
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
    calls: 'chained',
    client: (factory, accountId, region) => factory.cloudTrail(accountId, region),
  },
} as const satisfies Record<string, PacedServiceSpec>;

/** A service the collectors call, named as in IAM action prefixes. */
export type CollectedService = keyof typeof COLLECTED_SERVICES;
