import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, defaultClock } from '../shared/clock.js';
import { InputError } from '../shared/errors.js';
import type { RawRequest, RequestContext, ServiceModule } from './context.js';
import { DEFAULT_LIMITS, FaultEngine } from './faults.js';
import {
  FaultRulesSchema,
  loadScenarioFile,
  parseScenarioText,
  type Scenario,
  validateScenario,
} from './scenario.js';
import { cloudtrail } from './services/cloudtrail.js';
import { eks } from './services/eks.js';
import { iam } from './services/iam.js';
import { organizations } from './services/organizations.js';
import { s3 } from './services/s3.js';
import { securityhub } from './services/securityhub.js';
import { sns } from './services/sns.js';
import { sts } from './services/sts.js';
import { type OrganizationTrailOptions, writeOrganizationTrail } from './trail-files.js';
import type { FaultRule, SandboxCredentials, SandboxHandle } from './types.js';
import { AwsError, newRequestId, renderError, type SandboxResponse } from './wire.js';
import { buildWorld, type World } from './world.js';

/** The services the sandbox speaks, by SigV4 signing name. */
export const SERVICES: Readonly<Record<string, ServiceModule>> = {
  sts,
  iam,
  eks,
  cloudtrail,
  sns,
  securityhub,
  s3,
  organizations,
};

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default and recommended: 127.0.0.1. */
  host?: string;
  /** A scenario name (`demo`), file path, YAML text, or parsed scenario. Default `demo`. */
  scenario?: string | Scenario;
  /** The sandbox's clock for generated history, credentials expiry and timestamps. */
  now?: () => Date;
  /** Apply the documented service rate limits (LookupEvents 2/s, Security Hub TPS). Default true. */
  limits?: boolean;
  /**
   * The clock rate limits refill on and injected latency waits on. Default: {@link defaultClock}
   * (the system clock outside tests). A test that shares a virtual clock with the clients it serves
   * keeps every limit and latency exact while waiting no real time.
   */
  clock?: Clock;
  /**
   * Also deliver the generated CloudTrail history as an organization trail's log files to this
   * bucket (created when the scenario has none), as CloudTrail delivers them to S3.
   */
  organizationTrail?: OrganizationTrailOptions;
}

/** What serveAws returns for a request the fault rules say never to answer. */
const HANG = Symbol('hang');

const CREDENTIAL_SCOPE = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

/** Resolves a scenario argument: parsed object, YAML text, a shipped name, or a file path. */
export function resolveScenario(scenario: string | Scenario): Scenario {
  if (typeof scenario !== 'string') return validateScenario(scenario);
  if (scenario.includes('\n')) return parseScenarioText(scenario);
  return loadScenarioFile(scenario);
}

/**
 * Starts the local AWS sandbox on 127.0.0.1. Every service shares one endpoint; requests are
 * routed by the SigV4 credential scope's service and region.
 *
 * @example
 * const sandbox = await startSandbox({ scenario: 'demo' });
 * const eks = new EKSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: sandbox.credentials });
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const now = options.now ?? (() => new Date());
  const applyLimits = options.limits ?? true;
  const clock = options.clock ?? defaultClock();
  /** The server side of an exchange waiting on the clock (or on the client) rather than working. */
  const serverWait = <T>(wait: Promise<T>): Promise<T> => clock.serverWait?.(wait) ?? wait;
  const build = (scenario: string | Scenario): World => {
    const built = buildWorld(resolveScenario(scenario), now());
    if (options.organizationTrail) writeOrganizationTrail(built, options.organizationTrail);
    return built;
  };
  let world: World = build(options.scenario ?? 'demo');
  const faults = new FaultEngine(world.scenario.seed, () => clock.now());
  const baseRules = (scenario: Scenario): FaultRule[] => [
    ...(applyLimits ? DEFAULT_LIMITS : []),
    ...(scenario.faults as FaultRule[]),
  ];
  faults.setBaseRules(baseRules(world.scenario), world.scenario.seed);

  const loadScenario = (scenario: string | Scenario) => {
    world = build(scenario);
    faults.setBaseRules(baseRules(world.scenario), world.scenario.seed);
    faults.setRuntimeRules([]);
    faults.resetCalls();
  };
  const setFaults = (rules: FaultRule[]) => {
    const parsed = FaultRulesSchema.safeParse(rules);
    if (!parsed.success) {
      throw new InputError(
        'invalid fault rules',
        parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
      );
    }
    faults.setRuntimeRules(parsed.data as FaultRule[]);
  };

  const server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  // Node closes idle keep-alive sockets after 5 s, racing clients that reuse them after a pause
  // (a socket hang up); keep them longer than any client pause in a run, as AWS endpoints do.
  server.keepAliveTimeout = 65_000;

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw: RawRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body,
    };
    const answer = raw.path.startsWith('/_sandbox/') ? inspect(raw) : await serveAws(raw);
    if (answer === HANG) {
      // An unresponsive endpoint: no answer until the client gives up (or the sandbox closes).
      await serverWait(new Promise<void>((resolve) => response.once('close', () => resolve())));
      return;
    }
    response.writeHead(answer.status, answer.headers);
    response.end(raw.method === 'HEAD' ? undefined : answer.body);
  }

  function inspect(raw: RawRequest): SandboxResponse {
    const json = (value: unknown, status = 200): SandboxResponse => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value, null, 2),
    });
    const route = `${raw.method} ${raw.path.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_sandbox/calls':
          return json(faults.calls());
        case 'POST /_sandbox/reset-calls':
          faults.resetCalls();
          return json({ reset: true });
        case 'GET /_sandbox/sns/messages':
          return json(world.snsMessages);
        case 'GET /_sandbox/securityhub/findings':
          return json(allFindings(world));
        case 'GET /_sandbox/credentials':
          return json(credentialsOf(world));
        case 'POST /_sandbox/scenario': {
          const text = raw.body.toString('utf8');
          const trimmed = text.trimStart();
          loadScenario(parseScenarioText(text, { source: 'request body', json: trimmed.startsWith('{') }));
          return json({ loaded: world.scenario.name, credentials: credentialsOf(world) });
        }
        case 'POST /_sandbox/faults': {
          let rules: unknown;
          try {
            rules = JSON.parse(raw.body.toString('utf8') || '[]');
          } catch {
            throw new InputError('fault rules must be a JSON array');
          }
          setFaults(rules as FaultRule[]);
          return json({ faults: (rules as unknown[]).length });
        }
        default:
          return json({ error: `unknown sandbox route ${route}` }, 404);
      }
    } catch (error) {
      if (error instanceof InputError) return json({ error: error.message, problems: error.problems }, 400);
      throw error;
    }
  }

  async function serveAws(raw: RawRequest): Promise<SandboxResponse | typeof HANG> {
    const requestId = newRequestId();
    const scope = credentialScope(raw);
    if (!scope) {
      return renderError(
        'query',
        'sts',
        new AwsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'),
        requestId,
      );
    }
    const service = SERVICES[scope.service];
    if (!service) {
      return renderError(
        'query',
        'sts',
        new AwsError(400, 'UnknownService', `The sandbox does not implement service ${scope.service}`),
        requestId,
      );
    }
    let resolved: ReturnType<ServiceModule['resolve']>;
    try {
      resolved = service.resolve(raw);
    } catch (error) {
      const { status, code } = service.codes.internal;
      return renderError(
        service.protocol,
        scope.service,
        new AwsError(status, code, error instanceof Error ? error.message : String(error)),
        requestId,
      );
    }
    const session = world.sessions.get(scope.accessKeyId);
    const account = session?.accountId ?? 'unknown';
    const operation = resolved?.operation ?? 'Unknown';
    faults.recordCall({ account, service: scope.service, operation });
    const fail = (error: AwsError) => renderError(service.protocol, scope.service, error, requestId);
    if (!session) {
      const { status, code } = service.codes.invalidClientToken;
      return fail(
        new AwsError(
          status,
          code,
          scope.service === 's3'
            ? 'The AWS Access Key Id you provided does not exist in our records.'
            : 'The security token included in the request is invalid.',
        ),
      );
    }
    const current = now();
    if (session.expiresAt && session.expiresAt.getTime() <= current.getTime()) {
      const code =
        service.protocol === 'rest-json' || service.protocol === 'json'
          ? 'ExpiredTokenException'
          : 'ExpiredToken';
      return fail(new AwsError(403, code, 'The security token included in the request is expired'));
    }
    if (!resolved) {
      const { status, code } = service.codes.unknownOperation;
      return fail(
        new AwsError(status, code, `The sandbox does not implement this ${scope.service} operation`),
      );
    }
    const decision = faults.evaluate({
      account,
      targetAccount: service.targetAccount?.(raw, operation) ?? account,
      service: scope.service,
      operation,
      region: scope.region,
      ...(resolved.pathParams?.key !== undefined ? { key: resolved.pathParams.key } : {}),
    });
    if (decision.latencyMs > 0) await serverWait(clock.sleep(decision.latencyMs));
    const outcome = decision.outcome;
    if (outcome || decision.failFindings)
      faults.recordInjected({ account, service: scope.service, operation });
    if (outcome?.kind === 'accessDenied') {
      const { status, code } = service.codes.accessDenied;
      const action = `${service.actionPrefix ?? scope.service}:${operation}`;
      return fail(
        new AwsError(
          status,
          code,
          `User: ${session.arn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
        ),
      );
    }
    if (outcome?.kind === 'expiredToken') {
      const code =
        service.protocol === 'rest-json' || service.protocol === 'json'
          ? 'ExpiredTokenException'
          : 'ExpiredToken';
      return fail(new AwsError(403, code, 'The security token included in the request is expired'));
    }
    if (outcome?.kind === 'hang') return HANG;
    if (outcome?.kind === 'throttle') {
      faults.recordThrottled({ account, service: scope.service, operation });
      const { status, code, message } = service.codes.throttle;
      return fail(new AwsError(status, code, message));
    }
    if (outcome?.kind === 'error') {
      if (outcome.bare) return { status: outcome.status, headers: { 'x-amzn-requestid': requestId } };
      return fail(
        new AwsError(
          outcome.status,
          outcome.code ?? service.codes.internal.code,
          outcome.message ?? 'We encountered an internal error. Please try again.',
        ),
      );
    }
    const context: RequestContext = {
      ...raw,
      service: scope.service,
      region: scope.region,
      operation,
      pathParams: resolved.pathParams ?? {},
      session,
      world,
      now: current,
      requestId,
      ...(decision.failFindings ? { failFindings: decision.failFindings } : {}),
    };
    try {
      return await service.handle(context);
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      if (error instanceof SyntaxError && service.protocol !== 'query') {
        return fail(
          new AwsError(400, 'SerializationException', `Could not parse the request body: ${error.message}`),
        );
      }
      const { status, code } = service.codes.internal;
      return fail(new AwsError(status, code, error instanceof Error ? error.message : String(error)));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    get credentials() {
      return credentialsOf(world);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    loadScenario,
    setFaults,
    calls: () => faults.calls(),
    resetCalls: () => faults.resetCalls(),
    snsMessages: () => structuredClone(world.snsMessages),
    securityHubFindings: () => allFindings(world),
    s3Object: (bucket, key) => {
      const versions = world.buckets.get(bucket)?.objects.get(key);
      const current = versions?.[versions.length - 1];
      return current && !current.deleteMarker ? Buffer.from(current.body) : undefined;
    },
    s3Uploads: (bucket) =>
      [...(world.buckets.get(bucket)?.uploads?.values() ?? [])].map((upload) => ({
        key: upload.key,
        uploadId: upload.uploadId,
        parts: upload.parts.size,
      })),
  };
}

function credentialsOf(world: World): SandboxCredentials {
  const session = world.startSession;
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    ...(session.sessionToken ? { sessionToken: session.sessionToken } : {}),
    accountId: session.accountId,
    principalArn: session.arn,
    region: world.scenario.identity.region,
  };
}

function allFindings(world: World): unknown[] {
  return [...world.securityHub.values()]
    .flatMap((findings) => [...findings.values()])
    .map((finding) => structuredClone(finding));
}

/** The SigV4 credential scope of a request (Authorization header, or presigned query). */
function credentialScope(
  raw: RawRequest,
): { accessKeyId: string; region: string; service: string } | undefined {
  const header = raw.headers.authorization;
  const source =
    typeof header === 'string' ? header : `Credential=${raw.query.get('X-Amz-Credential') ?? ''}`;
  const match = CREDENTIAL_SCOPE.exec(source);
  if (!match) return undefined;
  return { accessKeyId: match[1], region: match[3], service: match[4] };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
