import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { parsePolicy } from '../../shared/trust/parse.js';

describe('parsePolicy', () => {
  it('normalizes single values, "*" principals and non-string condition values', () => {
    const parsed = parsePolicy({
      Version: '2012-10-17',
      Statement: {
        Sid: 'One',
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: {
          'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'team' },
          Bool: { 'aws:SecureTransport': true },
        },
      },
    });
    const [statement] = parsed.statements;
    expect(statement).toMatchObject({ index: 0, sid: 'One', effect: 'Allow', actions: ['sts:AssumeRole'] });
    expect(statement.principal).toMatchObject({ any: true });
    expect(statement.conditions).toEqual([
      {
        operator: 'ForAnyValue:StringLikeIfExists',
        base: 'StringLike',
        setOperator: 'ForAnyValue',
        ifExists: true,
        key: 'aws:TagKeys',
        keyLower: 'aws:tagkeys',
        values: ['team'],
        location: 'Statement[0].Condition.ForAnyValue:StringLikeIfExists.aws:TagKeys',
      },
      {
        operator: 'Bool',
        base: 'Bool',
        ifExists: false,
        key: 'aws:SecureTransport',
        keyLower: 'aws:securetransport',
        values: ['true'],
        location: 'Statement[0].Condition.Bool.aws:SecureTransport',
      },
    ]);
  });

  it('reads operator names case-insensitively, as IAM does', () => {
    const [statement] = parsePolicy({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'sts:AssumeRole',
          Condition: { stringequals: { k: 'v' } },
        },
      ],
    }).statements;
    expect(statement.conditions[0].base).toBe('StringEquals');
  });

  it.each([
    [{ Version: '2012-10-17' }, 'Statement: required'],
    [{ Version: '2012-10-18', Statement: [] }, 'Version: expected'],
    [{ Statement: [{ Effect: 'Allow', Principal: '*' }] }, 'Statement[0]: Action or NotAction is required'],
    [
      { Statement: [{ Effect: 'Allow', Principal: '*', Action: [] }] },
      'Statement[0].Action: expected at least one value',
    ],
    [
      { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'a', Conditon: {} }] },
      'Statement[0].Conditon: unknown statement element',
    ],
    [
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 'a',
            Condition: { 'ForSomeValues:StringLike': { k: 'v' } },
          },
        ],
      },
      'unknown set operator',
    ],
    [
      {
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'a', Condition: { NullIfExists: { k: 'true' } } },
        ],
      },
      'Null takes neither',
    ],
  ])('names the field of a malformed document (%#)', (document, message) => {
    expect(() => parsePolicy(document)).toThrow(InputError);
    expect(() => parsePolicy(document)).toThrow(message);
  });

  it('throws only InputError, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parsePolicy(value);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only InputError for mutated statements', () => {
    const statementPart = fc.record(
      {
        Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), fc.jsonValue()),
        Principal: fc.oneof(
          fc.constant('*'),
          fc.dictionary(fc.constantFrom('AWS', 'Service', 'Federated', 'X'), fc.jsonValue()),
        ),
        Action: fc.oneof(fc.string(), fc.array(fc.jsonValue())),
        Condition: fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.jsonValue())),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(statementPart, { maxLength: 3 }), (statements) => {
        try {
          parsePolicy({ Version: '2012-10-17', Statement: statements });
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
