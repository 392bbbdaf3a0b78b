import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../shared/baseline/suggest.js';

const bindingFields = [
  'cluster',
  'namespace',
  'serviceAccount',
  'roleArn',
  'targetRoleArn',
  'disableSessionTags',
];

describe('closestMatch', () => {
  it.each([
    ['serviceAcount', 'serviceAccount'],
    ['serviceaccount', 'serviceAccount'],
    ['namspace', 'namespace'],
    ['rolearn', 'roleArn'],
    ['role', 'roleArn'],
    ['disableSessionTag', 'disableSessionTags'],
  ])('suggests the field %s was meant to be (%s)', (typo, intended) => {
    expect(closestMatch(typo, bindingFields)).toBe(intended);
  });

  it('suggests nothing for a word unlike every candidate', () => {
    expect(closestMatch('owner', bindingFields)).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
