import {
  cleanText,
  escapeMarkdown,
  MAX_IDENTIFIER_LENGTH,
  neutralizeMentions,
  revealInvisible,
  singleLine,
} from '../report/escape.js';
import type { CutoverResult, CutoverWorkload } from './types.js';

/** Output formats of the `cutover` command. */
export const CUTOVER_FORMATS = ['table', 'json', 'markdown'] as const;
export type CutoverFormat = (typeof CUTOVER_FORMATS)[number];

/**
 * Renders a cutover report. `json` is the contract form; `table` and `markdown` are for people and
 * escape every value that came from AWS: one line each, invisible characters shown as `<U+XXXX>`,
 * cut at the report's maximum text length; code blocks show invisible characters the same way.
 */
export function renderCutover(result: CutoverResult, format: CutoverFormat): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  return format === 'markdown' ? markdown(result) : table(result);
}

function who(workload: CutoverWorkload): string {
  return workload.mechanism === 'irsa' && workload.subject && /[*?]/.test(workload.subject)
    ? workload.subject
    : `${workload.namespace}/${workload.serviceAccount}`;
}

function headline(result: CutoverResult): string {
  const phase = result.phase === 'pre' ? 'readiness' : 'clean-up';
  const verdict = result.phase === 'post' && result.verdict === 'READY' ? 'READY (clean)' : result.verdict;
  return `Cutover ${phase} of ${result.cluster}: ${result.from} → ${result.to}: ${verdict}`;
}

function table(result: CutoverResult): string {
  const t = (value: string) => cleanText(value);
  const lines: string[] = [t(headline(result)), ''];
  lines.push(
    `${t(result.from)}: ${result.old.exists ? 'exists' : 'does not exist'}; ${t(result.to)}: ${result.new.exists ? 'exists' : 'does not exist'}; snapshot ${t(result.capturedAt)}${result.since ? `; since ${t(result.since)}` : ''}`,
  );
  lines.push(
    `${result.summary.workloads} workload(s): ${result.summary.ready} ready, ${result.summary.blocked} blocked, ${result.summary.unknown} unknown; ${result.summary.blockingFindings} blocking and ${result.summary.nonBlockingFindings} non-blocking finding(s)`,
  );
  if (result.workloads.length > 0) {
    lines.push('', 'WORKLOADS');
    const rows = result.workloads.map((workload) => [
      workload.status.toUpperCase(),
      workload.mechanism,
      t(who(workload)),
      t(workload.roleArn),
      workload.sources.join(','),
    ]);
    const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows)
      lines.push(
        `  ${row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column]) : cell)).join('  ')}`,
      );
  }
  if (result.findings.length > 0) {
    lines.push('', 'FINDINGS');
    for (const finding of result.findings) {
      lines.push(
        `  ${finding.blocking ? 'BLOCKING' : 'note    '} ${finding.severity.padEnd(8)} ${finding.checkId}`,
      );
      lines.push(`    ${t(finding.message)}`);
    }
  }
  if (result.undecided.length > 0) {
    lines.push('', 'UNDECIDED');
    for (const entry of result.undecided)
      lines.push(`  ${entry.checkId} ${t(entry.resourceId)}: ${t(entry.reason)}`);
  }
  lines.push('', 'PLAN');
  for (const command of result.plan.commands)
    lines.push(`  # ${t(command.description)}`, `  ${t(command.command)}`);
  for (const change of result.plan.trustPolicies) {
    lines.push(
      `  # ${t(change.roleName)}: ${change.change === 'extend' ? 'add' : 'remove'} statements, ${change.size}/${change.limit} characters${change.fits ? '' : ' (DOES NOT FIT)'}; policy in the JSON output as ${t(change.file)}`,
    );
    if (change.message) lines.push(`  # ${t(change.message)}`);
  }
  if (result.plan.withheld.length > 0) {
    lines.push('  # NOT PLANNED (nothing is deleted that a workload may still need)');
    for (const item of result.plan.withheld)
      lines.push(
        `  #   ${item.status.toUpperCase()} ${item.checkId} ${t(item.resource.id)}: ${t(item.reason)}`,
      );
  }
  for (const grant of result.plan.flaggedGrants) {
    lines.push(
      `  # FLAGGED ${grant.severity} ${grant.flags.map((flag) => flag.checkId).join(', ')}: ${t(grant.message)}`,
      `  #   use instead: ${t(JSON.stringify(grant.narrower.length === 1 ? grant.narrower[0] : grant.narrower))}`,
    );
  }
  lines.push(
    '  # baseline',
    ...result.plan.baseline.yaml
      .trimEnd()
      .split('\n')
      .map((line) => `  ${t(line)}`),
  );
  return `${lines.join('\n')}\n`;
}

/**
 * A fenced code block whose fence is longer than any backtick run inside (AWS text may hold
 * backticks); invisible characters are shown, since a code block renders them as they are.
 */
function fenced(raw: string, language = ''): string {
  const text = revealInvisible(raw);
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

function markdown(result: CutoverResult): string {
  const m = (value: string) => escapeMarkdown(neutralizeMentions(cleanText(value)));
  const out: string[] = [`# ${m(headline(result))}`, ''];
  out.push(
    `- **${m(result.from)}**: ${result.old.exists ? 'exists' : 'does not exist'}`,
    `- **${m(result.to)}**: ${result.new.exists ? 'exists' : 'does not exist'}`,
    `- Account ${m(result.accountId)}, region ${m(result.region)}, snapshot ${m(result.capturedAt)}${result.since ? `, since ${m(result.since)}` : ''}`,
    `- ${result.summary.workloads} workload(s): ${result.summary.ready} ready, ${result.summary.blocked} blocked, ${result.summary.unknown} unknown`,
    '',
  );
  if (result.workloads.length > 0) {
    out.push(
      '## Workloads',
      '',
      '| Status | Mechanism | Service account | Role | Found in | Blockers |',
      '|---|---|---|---|---|---|',
    );
    for (const workload of result.workloads) {
      const blockers = workload.blockers
        .map((b) => `${b.blocking ? '' : '(non-blocking) '}${b.checkId}`)
        .join(', ');
      out.push(
        `| ${workload.status} | ${workload.mechanism} | ${m(who(workload))} | ${m(workload.roleArn)} | ${workload.sources.join(', ')} | ${m(blockers)} |`,
      );
    }
    out.push('');
  }
  if (result.findings.length > 0) {
    out.push('## Findings', '');
    for (const finding of result.findings) {
      out.push(
        `- **${finding.blocking ? 'Blocking' : 'Non-blocking'}** \`${finding.checkId}\` (${finding.severity}): ${m(finding.message)}`,
      );
    }
    out.push('');
  }
  if (result.undecided.length > 0) {
    out.push('## Undecided', '');
    for (const entry of result.undecided)
      out.push(`- \`${entry.checkId}\` ${m(entry.resourceId)}: ${m(entry.reason)}`);
    out.push('');
  }
  out.push('## Plan', '');
  if (result.plan.commands.length > 0) {
    out.push(
      fenced(
        result.plan.commands
          .map((c) => `# ${singleLine(c.description)}\n${singleLine(c.command)}`)
          .join('\n\n'),
        'sh',
      ),
      '',
    );
  }
  for (const change of result.plan.trustPolicies) {
    out.push(
      `### Trust policy of ${m(change.roleName)} (${change.change === 'extend' ? 'statements added' : 'old statements removed'})`,
      '',
      `${change.size} of ${change.limit} characters${change.fits ? '' : ' — **does not fit**'}; verified: admits the new cluster ${change.verification.admitsNew ? 'yes' : 'NO'}, keeps what it admitted ${change.verification.keepsOld ? 'yes' : 'NO'}${change.verification.dropsOld === undefined ? '' : `, drops the old cluster ${change.verification.dropsOld ? 'yes' : 'NO'}`}.`,
      '',
    );
    if (change.message) out.push(m(change.message), '');
    if (change.policy) {
      out.push(
        `Save as \`${neutralizeMentions(cleanText(change.file, MAX_IDENTIFIER_LENGTH)).replace(/`/g, '')}\`:`,
        '',
        fenced(JSON.stringify(change.policy, null, 2), 'json'),
        '',
      );
      if (change.command) out.push(fenced(singleLine(change.command), 'sh'), '');
    }
  }
  if (result.plan.withheld.length > 0) {
    out.push('### Not planned for deletion', '');
    for (const item of result.plan.withheld)
      out.push(`- **${item.status}** \`${item.checkId}\` ${m(item.resource.id)}: ${m(item.reason)}`);
    out.push('');
  }
  for (const grant of result.plan.flaggedGrants) {
    out.push(
      `### Flagged grant of ${m(grant.roleName)} (${grant.severity}: ${grant.flags.map((flag) => `\`${flag.checkId}\``).join(', ')})`,
      '',
      m(grant.message),
      '',
      'Use instead:',
      '',
      fenced(
        JSON.stringify(grant.narrower.length === 1 ? grant.narrower[0] : grant.narrower, null, 2),
        'json',
      ),
      '',
    );
  }
  out.push('### Baseline', '', fenced(result.plan.baseline.yaml.trimEnd(), 'yaml'), '');
  return `${out.join('\n')}`;
}
