import { type FindingFacts, type FindingLike, factsOf, roleNameOf } from '../model/facts.js';
import { commandKey, isCommand, joinSegments, type Segment, segmentsOf } from './segments.js';

/** A placeholder of the remediation templates and the fact that fills it. */
interface Placeholder {
  /** Matches the placeholder inside a code span. */
  pattern: RegExp;
  value: (facts: FindingFacts) => string | undefined;
}

const token = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, 'g');

/**
 * The placeholders the check catalogue writes in its commands and condition keys. `ID` only counts
 * after `--association-id`, where the catalogue uses it for an association id.
 */
const PLACEHOLDERS: Readonly<Record<string, Placeholder>> = {
  CLUSTER: { pattern: token('CLUSTER'), value: (facts) => facts.cluster },
  REGION: { pattern: token('REGION'), value: (facts) => facts.region },
  ACCOUNT_ID: { pattern: token('ACCOUNT_ID'), value: (facts) => facts.accountId || undefined },
  NAMESPACE: { pattern: token('NAMESPACE'), value: (facts) => facts.namespace },
  SERVICE_ACCOUNT: { pattern: token('SERVICE_ACCOUNT'), value: (facts) => facts.serviceAccount },
  ROLE_ARN: { pattern: token('ROLE_ARN'), value: (facts) => facts.roleArn },
  ROLE_NAME: { pattern: token('ROLE_NAME'), value: (facts) => facts.roleName },
  ASSOCIATION_ROLE_ARN: { pattern: token('ASSOCIATION_ROLE_ARN'), value: (facts) => facts.roleArn },
  TARGET_ROLE_NAME: { pattern: token('TARGET_ROLE_NAME'), value: (facts) => roleNameOf(facts.targetRoleArn) },
  NODE_ROLE_NAME: { pattern: token('NODE_ROLE_NAME'), value: (facts) => roleNameOf(facts.nodeRoleArn) },
  ASSOCIATION_ID: { pattern: token('ASSOCIATION_ID'), value: (facts) => facts.associationId },
  ID: { pattern: /(?<=--association-id\s+)ID(?![A-Za-z0-9_])/g, value: (facts) => facts.associationId },
  PROVIDER_ARN: { pattern: token('PROVIDER_ARN'), value: (facts) => facts.providerArn },
  ISSUER_HOST_PATH: { pattern: token('ISSUER_HOST_PATH'), value: (facts) => facts.issuerHostPath },
  '<issuer host path>': { pattern: /<issuer host path>/g, value: (facts) => facts.issuerHostPath },
};

/**
 * Placeholders whose value a finding of the check cannot know although a fact of the same name
 * exists: the association of `PI_TRUST_EXCLUDES_ASSOCIATION` should point at the *intended* role,
 * not the one it names now.
 */
const UNKNOWN_FOR_CHECK: Readonly<Record<string, readonly string[]>> = {
  PI_TRUST_EXCLUDES_ASSOCIATION: ['ROLE_ARN'],
};

/** A value goes into a command only when it cannot change the command's words or close its code span. */
const SAFE_VALUE = /^[^\s`'"\\$;&|<>(){}]+$/;

/**
 * Fills the placeholders of a remediation template (`ROLE_NAME`, `CLUSTER`, `NAMESPACE`,
 * `SERVICE_ACCOUNT`, `ROLE_ARN`, `ACCOUNT_ID`, `REGION`, association ids, provider ARNs, issuer
 * host paths, …) inside its code spans with the values the finding states. A value the finding
 * does not know, or one that could alter the command, leaves its placeholder; prose is never
 * changed. This is the one place placeholders are filled: every format renders its result.
 *
 * @example fillPlaceholders('Run `aws eks create-addon --cluster-name CLUSTER`.', finding) // 'Run `aws eks create-addon --cluster-name prod-green`.'
 */
export function fillPlaceholders(template: string, finding: FindingLike, facts = factsOf(finding)): string {
  const unknown = new Set(UNKNOWN_FOR_CHECK[finding.checkId] ?? []);
  const fill = (code: string): string => {
    let filled = code;
    for (const [name, placeholder] of Object.entries(PLACEHOLDERS)) {
      if (unknown.has(name)) continue;
      const value = placeholder.value(facts);
      if (value === undefined || !SAFE_VALUE.test(value)) continue;
      filled = filled.replace(placeholder.pattern, () => value);
    }
    return filled;
  };
  return joinSegments(
    segmentsOf(template).map((segment) =>
      segment.kind === 'code' ? { kind: 'code', text: fill(segment.text) } : segment,
    ),
  );
}

/** The placeholder names a text still holds in its code spans. */
export function placeholdersIn(text: string): string[] {
  const found = new Set<string>();
  for (const segment of segmentsOf(text)) {
    if (segment.kind !== 'code') continue;
    for (const [name, placeholder] of Object.entries(PLACEHOLDERS))
      if (new RegExp(placeholder.pattern.source).test(segment.text)) found.add(name);
  }
  return [...found];
}

/** Labels of what {@link localizeRemediation} appends from the original. */
export interface CarriedLabels {
  /** Before a JSON document of the original (a trust statement to add). */
  document: string;
  /** Before a command of the original that the translation has no place for. */
  command: string;
}

/**
 * A translated remediation for one finding: the translation's template with its placeholders
 * filled, each of its commands replaced by the finding's own command of the same program and
 * action (which may carry more flags than the template, such as `--region` or `--target-role-arn`),
 * and the finding's JSON documents and other commands appended, so the translation loses none of
 * the literals the original gives.
 *
 * @example localizeRemediation('アドオンをインストールします: `aws eks create-addon --cluster-name CLUSTER`。', original, finding, labels)
 */
export function localizeRemediation(
  template: string,
  original: string,
  finding: FindingLike,
  labels: CarriedLabels,
): string {
  const filled = segmentsOf(fillPlaceholders(template, finding));
  const originals = segmentsOf(original);
  const commands = originals.filter((segment) => segment.kind === 'code' && isCommand(segment.text));
  const used = new Set<Segment>();
  const translated = filled.map((segment): Segment => {
    if (segment.kind !== 'code' || !isCommand(segment.text)) return segment;
    const key = commandKey(segment.text);
    const match = commands.find((command) => !used.has(command) && commandKey(command.text) === key);
    if (!match) return segment;
    used.add(match);
    return { kind: 'code', text: match.text };
  });
  const carried: string[] = [];
  const present = new Set(translated.map((segment) => segment.text));
  for (const segment of originals) {
    if (segment.kind === 'json' && !present.has(segment.text))
      carried.push(`${labels.document}: ${segment.text}`);
    if (
      segment.kind === 'code' &&
      isCommand(segment.text) &&
      !used.has(segment) &&
      !present.has(segment.text)
    )
      carried.push(`${labels.command}: \`${segment.text}\``);
  }
  return [joinSegments(translated), ...carried].join('\n');
}
