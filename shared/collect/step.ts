import type { CommandIO, GetOutputType } from '@smithy/types';
import pLimit from 'p-limit';
import type { ClientFactory } from '../aws/clients.js';
import { isNotFound, toCollectionError } from '../aws/errors.js';
import type { CollectionError } from '../model/index.js';
import type { LaneCallOptions, RequestLane } from './pacing.js';
import { toPlain } from './plain.js';
import { COLLECTED_SERVICES, type CollectedService } from './services.js';

/** Any AWS SDK v3 command class. */
// biome-ignore lint/suspicious/noExplicitAny: matches every command's input and output types
export type CommandClass = new (input: any) => CommandIO<any, any>;
/** The request a command class takes. */
export type InputOf<C extends CommandClass> = InstanceType<C>['input'];
/** The response a command class answers with. */
export type OutputOf<C extends CommandClass> = GetOutputType<InstanceType<C>>;

/**
 * Where a step runs. `account`: once per account (IAM, a global service); `region`: once per
 * account-region; `cluster`: once per cluster the `region` step of its service found.
 */
export type Level = 'account' | 'region' | 'cluster';

/** The scope one run of a step covers. */
export interface StepScope {
  accountId: string;
  /** The account-region (account-level steps: the factory's default region, unused). */
  region: string;
  /** The partition of the account's ARNs. */
  partition: string;
  /** The cluster, for a `cluster` step. */
  cluster?: string;
  /** The time window, for steps that search one (CloudTrail). */
  window?: { from: Date; to: Date };
}

/**
 * How a List pages, in botocore's paginator terms: the request member that carries the token and
 * the response member it comes back in, the request member that sets the page size, and (IAM) the
 * response flag that says more pages follow.
 */
export interface Paging<C extends CommandClass> {
  inputToken: keyof InputOf<C> & string;
  outputToken: keyof OutputOf<C> & string;
  limitKey: keyof InputOf<C> & string;
  moreResults?: keyof OutputOf<C> & string;
  /** The page size asked for on every page: the documented maximum, so a scope takes as few calls as it can. */
  pageSize: number;
}

/** One API operation of a step: its name (the IAM action after the service prefix) and its command. */
export interface StepCall<C extends CommandClass> {
  operation: string;
  command: C;
}

/** A step's List: one call per page, for each of its queries. */
export interface ListCall<C extends CommandClass, Item, Query> extends StepCall<C> {
  /** The request of the first page, without the paging members; default: empty. */
  input?: (scope: StepScope, query: Query) => InputOf<C>;
  /** Absent: the List answers in one page. */
  paging?: Paging<C>;
  /** What a page lists: the keys a Describe takes, or (a step without Describe) the records themselves. */
  items: (page: OutputOf<C>) => readonly Item[] | undefined;
}

/**
 * A step's Describe: one call per listed key. Its request is the List's (the parent's identifiers,
 * such as the cluster name) with the key in the `key` member.
 */
export interface DescribeCall<C extends CommandClass, Detail> extends StepCall<C> {
  /** The request member that names the listed item. */
  key: keyof InputOf<C> & string;
  /** The described item in the response; undefined (an empty answer) leaves the item out. */
  output: (response: OutputOf<C>, key: string) => Detail | undefined;
  /**
   * What a Describe answered with the service's documented not-found code ({@link isNotFound})
   * means. `deleted`: the item was deleted between the List and the Describe, and is left out.
   * Every other failure, a 404 without such a code included, is a gap recorded as a collection
   * error.
   */
  notFound: 'deleted';
  /**
   * At most this many of the step's Describe calls at once per scope, handed to the lane in turn;
   * default: all handed to the lane at once, under the collection's Describe limit for the
   * account-region.
   */
  inFlight?: number;
  /**
   * A listed item whose Describe failed (other than not found) is kept as this stub, and the error
   * is recorded with the item (it is known to exist but unreadable). Without it the item is left
   * out and the error is the scope's.
   */
  unreadable?: (scope: StepScope, key: string) => Detail;
}

/**
 * One row of the collection table: a service's List (paged, per query), optionally a Describe of
 * each listed key, at a level, filling one member of the snapshot.
 */
export interface CollectionStep<
  L extends CommandClass = CommandClass,
  D extends CommandClass = CommandClass,
  Item = unknown,
  Detail = unknown,
  Query = undefined,
> {
  service: CollectedService;
  level: Level;
  /** The member of the level's snapshot object the step fills (`podIdentityAssociations` of a cluster). */
  into: string;
  list: ListCall<L, Item, Query>;
  /**
   * The List is made once per query (CloudTrail accepts one lookup attribute a call); default:
   * once. Only rows without a Describe have queries.
   */
  queries?: readonly Query[];
  /** How a query is named in an error's `resource`. */
  queryLabel?: (query: Query) => string;
  describe?: DescribeCall<D, Detail>;
  /** The order of the step's results in the snapshot. */
  order?: (a: Detail, b: Detail) => number;
}

/** A row of any types, as the table lists them. */
// biome-ignore lint/suspicious/noExplicitAny: rows of every command, item and detail type
export type AnyStep = CollectionStep<CommandClass, CommandClass, any, any, any>;

/** A list-then-describe row: its List yields keys. */
export type ListDescribeStep<Detail> = CollectionStep<
  CommandClass,
  CommandClass,
  string | undefined,
  Detail
> & {
  describe: DescribeCall<CommandClass, Detail>;
};

/** Runs a call when the limit allows. */
export type CallLimit = <T>(call: () => Promise<T>) => Promise<T>;

/** What running a step needs besides its scope: the client, the lane its calls go through, the Describe limit. */
export interface StepRuntime {
  factory: ClientFactory;
  /** The lane of the step's service in the scope: every call, every page, goes through it. */
  lane: Pick<RequestLane, 'run'>;
  /** Describe calls in flight at once in the account-region (rows without their own `inFlight`); default: no limit. */
  describeLimit?: CallLimit;
}

const UNLIMITED: CallLimit = (call) => call();

type Sender = { send(command: unknown): Promise<unknown> };

function clientOf(step: AnyStep, runtime: StepRuntime, scope: StepScope): Sender {
  return COLLECTED_SERVICES[step.service].client(runtime.factory, scope.accountId, scope.region) as Sender;
}

/** The `resource` of an error: the cluster (cluster steps) and what the call was about. */
function resourceOf(scope: StepScope, what?: string): string | undefined {
  const parts = [scope.cluster, what].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join('/') : undefined;
}

/**
 * Runs the step's List for one query to its last page, handing each page to `onPage`. Every page
 * is one call through the lane (paged by hand rather than with the SDK paginators so each page
 * waits for the lane's token).
 *
 * @throws the first failure; the pages before it have been handed on.
 */
export async function listPages<C extends CommandClass, Item, Query>(
  step: CollectionStep<C, CommandClass, Item, unknown, Query>,
  runtime: StepRuntime,
  scope: StepScope,
  query: Query,
  onPage: (page: OutputOf<C>) => void,
  options?: LaneCallOptions,
): Promise<void> {
  const client = clientOf(step as AnyStep, runtime, scope);
  const { command: Command, paging } = step.list;
  const first = step.list.input?.(scope, query);
  let token: unknown;
  do {
    const input = paging
      ? { ...first, [paging.limitKey]: paging.pageSize, [paging.inputToken]: token }
      : first;
    const page = (await runtime.lane.run(() => client.send(new Command(input)), options)) as OutputOf<C>;
    onPage(page);
    const more = paging && (paging.moreResults === undefined || page[paging.moreResults]);
    token = more ? page[paging.outputToken] : undefined;
  } while (token);
}

/**
 * The keys the step lists in the scope, each once, in listed order. A failed List is recorded in
 * `errors` and yields no keys. Its pages unblock the Describes (see {@link LaneCallOptions}).
 */
export async function listKeys(
  step: AnyStep,
  runtime: StepRuntime,
  scope: StepScope,
  errors: CollectionError[],
): Promise<string[]> {
  const keys: string[] = [];
  try {
    await listPages(
      step,
      runtime,
      scope,
      undefined,
      (page) => {
        for (const key of step.list.items(page) ?? []) if (typeof key === 'string' && key) keys.push(key);
      },
      { unblocks: true },
    );
  } catch (error) {
    errors.push(toCollectionError(step.service, step.list.operation, error, resourceOf(scope)));
    return [];
  }
  return [...new Set(keys)];
}

/**
 * Describes each key under the lane and the Describe limit: all are handed to the lane at once
 * (a row with its own `inFlight`: that many at a time), so its backlog (its priority for a free
 * slot) counts all the work it has left. Results are plain
 * JSON at once, so the SDK's response objects die young; see {@link DescribeCall} for what a
 * failure does. Results are in key order. `options` schedules the calls in the lane (a Describe
 * that other steps wait on unblocks them).
 */
export async function describeEach<Detail>(
  step: ListDescribeStep<Detail>,
  runtime: StepRuntime,
  scope: StepScope,
  keys: readonly string[],
  errors: CollectionError[],
  options?: LaneCallOptions,
): Promise<Detail[]> {
  const { describe } = step;
  const first = step.list.input?.(scope, undefined);
  const client = clientOf(step as AnyStep, runtime, scope);
  // A row's own limit admits calls to the lane (the rest wait outside it, holding no slot); the
  // account-region's Describe limit applies inside the lane, shared by all its rows.
  const rowLimit: CallLimit = describe.inFlight === undefined ? UNLIMITED : pLimit(describe.inFlight);
  const sharedLimit: CallLimit =
    describe.inFlight === undefined ? (runtime.describeLimit ?? UNLIMITED) : UNLIMITED;
  const results = await Promise.all(
    keys.map(async (key): Promise<Detail | undefined> => {
      try {
        const send = () => client.send(new describe.command({ ...first, [describe.key]: key }));
        const response = (await rowLimit(() =>
          runtime.lane.run(() => sharedLimit(send), options),
        )) as OutputOf<CommandClass>;
        const detail = describe.output(response, key);
        return detail === undefined ? undefined : toPlain<Detail>(detail);
      } catch (error) {
        if (describe.notFound === 'deleted' && isNotFound(error, step.service)) return undefined;
        errors.push(toCollectionError(step.service, describe.operation, error, resourceOf(scope, key)));
        return describe.unreadable?.(scope, key);
      }
    }),
  );
  return results.filter((result): result is Awaited<Detail> => result !== undefined);
}

/**
 * One row in one scope, in its order: a list-then-describe row lists its keys and describes each;
 * a row without a Describe keeps what its pages list (plain JSON). A failed List is recorded and
 * yields nothing.
 */
export async function collectStep<Detail>(
  // biome-ignore lint/suspicious/noExplicitAny: a row of any command and item type
  step: CollectionStep<CommandClass, CommandClass, any, Detail, undefined>,
  runtime: StepRuntime,
  scope: StepScope,
  errors: CollectionError[],
): Promise<Detail[]> {
  let details: Detail[];
  if (step.describe) {
    const keys = await listKeys(step, runtime, scope, errors);
    details = await describeEach(step as ListDescribeStep<Detail>, runtime, scope, keys, errors);
  } else {
    details = [];
    try {
      await listPages(step as AnyStep, runtime, scope, undefined, (page) => {
        for (const item of step.list.items(page) ?? []) details.push(toPlain<Detail>(item));
      });
    } catch (error) {
      // The records read before the failure are kept; the error marks the scope incomplete.
      errors.push(toCollectionError(step.service, step.list.operation, error, resourceOf(scope)));
    }
  }
  return step.order ? details.sort(step.order) : details;
}

/**
 * Several rows in one scope at once, each filling its `into` member: what a level's snapshot
 * object gets from the table (a new row at the level is a new member, with no new code).
 */
export async function collectMembers(
  steps: readonly AnyStep[],
  runtime: StepRuntime,
  scope: StepScope,
  errors: CollectionError[],
): Promise<Record<string, unknown[]>> {
  const results = await Promise.all(steps.map((step) => collectStep(step, runtime, scope, errors)));
  return Object.fromEntries(steps.map((step, index) => [step.into, results[index]]));
}
