import { describe, expect, it } from 'vitest';
import { FINAL_VERSION, removalVersion, snapshotVersion, supersedes } from '../../lib/contacts/contact-version';

describe('the newest-wins rule', () => {
  it('writes a contact nothing is stored for', () => {
    expect(supersedes(snapshotVersion(100), undefined)).toBe(true);
  });

  it('lets a newer or equal snapshot replace the stored one, never an older one', () => {
    const stored = snapshotVersion(100);
    expect(supersedes(snapshotVersion(101), stored)).toBe(true);
    expect(supersedes(snapshotVersion(100), stored)).toBe(true);
    expect(supersedes(snapshotVersion(99), stored)).toBe(false);
  });

  it('keeps a deleted or merged contact removed against any later snapshot', () => {
    for (const removal of ['deleted', 'merged'] as const) {
      const stored = removalVersion(removal, 100);
      expect(stored).toBe(FINAL_VERSION);
      expect(supersedes(snapshotVersion(2_000_000_000), stored)).toBe(false);
      expect(supersedes(removalVersion(removal, 100), stored)).toBe(true);
    }
  });

  it('deletes a contact whatever version is stored', () => {
    expect(supersedes(removalVersion('deleted', 1), snapshotVersion(2_000_000_000))).toBe(true);
  });

  it('brings an archived contact back only with a snapshot from a later second', () => {
    const archived = removalVersion('archived', 100);
    expect(supersedes(snapshotVersion(100), archived)).toBe(false);
    expect(supersedes(snapshotVersion(101), archived)).toBe(true);
  });

  it('does not archive a contact updated after the archive notification was sent', () => {
    expect(supersedes(removalVersion('archived', 100), snapshotVersion(101))).toBe(false);
    expect(supersedes(removalVersion('archived', 100), snapshotVersion(100))).toBe(true);
  });
});
