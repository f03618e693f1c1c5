import { describe, expect, it } from 'vitest';
import { groupsOf } from '../../lib/platform/groups-of';

describe('groupsOf', () => {
  it('cuts a list into ordered groups of at most the given size', () => {
    expect(groupsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(groupsOf([1, 2], 25)).toEqual([[1, 2]]);
    expect(groupsOf([], 10)).toEqual([]);
  });
});
