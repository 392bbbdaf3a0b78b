import { describe, expect, it } from 'vitest';
import { mapLevel, PartsMap } from '../../shared/parts-map.js';

describe('PartsMap', () => {
  it('finds a value by every part, and nothing by a prefix or another part', () => {
    const map = new PartsMap<number>();
    map.set(['111122223333', 'eu-west-1', 'prod', 'payments'], 1);
    map.set(['111122223333', 'eu-west-1', 'prod', 'orders'], 2);
    expect(map.get(['111122223333', 'eu-west-1', 'prod', 'payments'])).toBe(1);
    expect(map.get(['111122223333', 'eu-west-1', 'prod', 'orders'])).toBe(2);
    expect(map.get(['111122223333', 'eu-west-1', 'prod', 'billing'])).toBeUndefined();
    expect(map.get(['111122223333', 'us-east-1', 'prod', 'payments'])).toBeUndefined();
  });

  it('takes a missing part for the empty string, and parts with separators never collide', () => {
    const map = new PartsMap<string>();
    map.set(['a', undefined, 'c'], 'missing');
    map.set(['a\u0000b', 'c', ''], 'joined');
    expect(map.get(['a', '', 'c'])).toBe('missing');
    expect(map.get(['a', 'b\u0000c', ''])).toBeUndefined();
    expect(map.get(['a\u0000b', 'c', undefined])).toBe('joined');
  });

  it('makes a value once and keeps it', () => {
    const map = new PartsMap<{ made: number }>();
    let made = 0;
    const first = map.getOrSet(['x', 'y'], () => ({ made: ++made }));
    const again = map.getOrSet(['x', 'y'], () => ({ made: ++made }));
    expect(again).toBe(first);
    expect(made).toBe(1);
  });
});

describe('mapLevel', () => {
  it('starts the inner map once and returns the same one after', () => {
    const outer = new Map<string, Map<string, number>>();
    mapLevel(outer, 'a').set('b', 1);
    expect(mapLevel(outer, 'a').get('b')).toBe(1);
    expect(outer.size).toBe(1);
  });

  it('starts levels under a WeakMap root too, keyed by an object', () => {
    const outer = new WeakMap<object, Map<string, number>>();
    const key = {};
    mapLevel(outer, key).set('b', 1);
    expect(mapLevel(outer, key).get('b')).toBe(1);
    expect(mapLevel(outer, {}).size).toBe(0);
  });
});
