import { canAssume } from '../../shared/trust/index.js';
import {
  formParams,
  QUERY_CODES,
  queryOperation,
  type RequestContext,
  type ServiceModule,
} from '../context.js';
import { AwsError, queryResponse, queryStructList, stableId } from '../wire.js';
import { findRole, type Session } from '../world.js';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** STS (query protocol): AssumeRole and GetCallerIdentity. */
export const sts: ServiceModule = {
  protocol: 'query',
  codes: QUERY_CODES,
  resolve: queryOperation(['AssumeRole', 'GetCallerIdentity']),
  targetAccount(request, operation) {
    if (operation !== 'AssumeRole') return undefined;
    return ROLE_ARN.exec(formParams(request).get('RoleArn') ?? '')?.[1];
  },
  handle(context) {
    if (context.operation === 'GetCallerIdentity') {
      return queryResponse(
        'sts',
        'GetCallerIdentity',
        { Arn: context.session.arn, UserId: context.session.userId, Account: context.session.accountId },
        context.requestId,
      );
    }
    return assumeRole(context);
  },
};

function assumeRole(context: RequestContext) {
  const params = formParams(context);
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  const caller = context.session;
  if (!ROLE_ARN.test(roleArn)) {
    throw new AwsError(400, 'ValidationError', `${roleArn} is invalid`);
  }
  if (!SESSION_NAME.test(sessionName)) {
    throw new AwsError(
      400,
      'ValidationError',
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  }
  const durationText = params.get('DurationSeconds');
  const duration = durationText === null ? 3600 : Number(durationText);
  const denied = () =>
    new AwsError(
      403,
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  const role = findRole(context.world, roleArn);
  if (!role) throw denied();
  if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionDuration) {
    throw new AwsError(
      400,
      'ValidationError',
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
    );
  }
  if (caller.isRoleSession && duration > 3600) {
    throw new AwsError(
      400,
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  const tags = Object.fromEntries(
    queryStructList(params, 'Tags').map((tag) => [tag.Key ?? '', tag.Value ?? '']),
  );
  const hasTags = Object.keys(tags).length > 0;
  const externalId = params.get('ExternalId') ?? undefined;
  const decision = canAssume(role.trust, {
    kind: 'aws',
    principalArn: caller.principalArn,
    principalAccount: caller.accountId,
    externalId,
    sessionTags: hasTags ? tags : undefined,
    principalTags: caller.tags,
  });
  if (decision.allowed !== true) throw denied();

  context.world.sequence += 1;
  const serial = context.world.sequence;
  const seed = `${context.world.scenario.seed}/${roleArn}/${sessionName}/${serial}`;
  const expiresAt = new Date(context.now.getTime() + duration * 1000);
  const session: Session = {
    accessKeyId: `ASIA${stableId(16, 'upper', 'key', seed)}`,
    secretAccessKey: stableId(40, 'lower', 'secret', seed),
    sessionToken: stableId(96, 'lower', 'token', seed),
    accountId: role.accountId,
    arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
    principalArn: role.arn,
    userId: `${role.roleId}:${sessionName}`,
    isRoleSession: true,
    expiresAt,
    tags: hasTags ? tags : undefined,
  };
  context.world.sessions.set(session.accessKeyId, session);
  return queryResponse(
    'sts',
    'AssumeRole',
    {
      AssumedRoleUser: { Arn: session.arn, AssumedRoleId: session.userId },
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: expiresAt,
      },
      PackedPolicySize: hasTags ? 6 : undefined,
    },
    context.requestId,
  );
}
