import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { type AuditApp, buildAuditApp } from '../../infra/build.js';

/** The context `cdk.json` gives the app (feature flags and the documented defaults). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** Builds the app as `cdk synth` would, with extra context, and without bundling the handlers. */
export function buildTestApp(context: Record<string, unknown> = {}): AuditApp {
  return buildAuditApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
}

/** The synthesized templates of both stacks. */
export function templates(context: Record<string, unknown> = {}): {
  built: AuditApp;
  audit: Template;
  member: Template;
} {
  const built = buildTestApp(context);
  return {
    built,
    audit: Template.fromStack(built.audit),
    member: Template.fromStack(built.memberRole),
  };
}

/**
 * The state machine definition as JSON: the `Fn::Join` of the template with every token (function
 * ARNs, partition) replaced by a placeholder string.
 */
export function stateMachineDefinition(template: Template): Record<string, unknown> {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines);
  const definition = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof definition === 'string' ? definition : definition['Fn::Join'][1].map(resolveToken).join('');
  return JSON.parse(text) as Record<string, unknown>;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
};

/** Stands in for a CloudFormation token the way the deployed definition would read. */
function resolveToken(part: unknown): string {
  if (typeof part === 'string') return part;
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref && PSEUDO_PARAMETERS[token.Ref]) return PSEUDO_PARAMETERS[token.Ref];
  // A resource's name (the audit bucket of the ItemReader and ResultWriter): its logical id stands in.
  if (token.Ref) return token.Ref;
  if (token['Fn::GetAtt']?.[1] === 'Arn') {
    return `arn:aws:lambda:us-east-1:111122223333:function:${token['Fn::GetAtt'][0]}`;
  }
  throw new Error(`unexpected token in the state machine definition: ${JSON.stringify(part)}`);
}

/**
 * Applies a Step Functions `ItemSelector`/`Parameters` object the way the service does for the
 * paths this state machine uses: `key.$` values are JSONPaths into the state input (`$`) or the
 * context object (`$$`), other values are copied.
 */
export function applySelector(
  selector: Record<string, unknown>,
  input: unknown,
  context: unknown,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(selector)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      result[key.slice(0, -2)] = value.startsWith('$$.')
        ? readPath(context, value.slice(3))
        : readPath(input, value.slice(2));
    } else {
      result[key] = value;
    }
  }
  return result;
}

function readPath(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split('.').filter((part) => part !== '')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
