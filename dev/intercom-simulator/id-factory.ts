import { randomBytes } from 'node:crypto';

/**
 * Ids for one workspace. Every id embeds the workspace's 6-digit salt (unique among live
 * workspaces) at a fixed position, so ids never collide across workspaces, and they repeat
 * exactly for the same workspace id and sequence of operations. Shapes follow Intercom:
 * contacts 24-hex (ObjectId-like, creation time first), conversations 15 digits, parts and
 * sources 11 digits, tags 10 digits, admins 9 digits.
 */
export class IdFactory {
  private counters = { contact: 0, conversation: 0, message: 0, tag: 0, admin: 0 };

  constructor(readonly salt: number) {
    if (!Number.isInteger(salt) || salt < 100000 || salt > 999999) throw new Error('salt must have 6 digits');
  }

  /** A 24-hex contact id whose first 8 hex digits are `createdAt`, like a MongoDB ObjectId. */
  contactId(createdAt: number): string {
    const time = Math.max(0, Math.min(0xffffffff, Math.floor(createdAt))).toString(16).padStart(8, '0');
    return time + this.salt.toString(16).padStart(6, '0') + (++this.counters.contact).toString(16).padStart(10, '0');
  }

  conversationId(): string {
    return this.numeric('conversation', 9);
  }

  /** Ids for conversation parts and sources (one sequence, as in Intercom). */
  messageId(): string {
    return this.numeric('message', 5);
  }

  tagId(): string {
    return this.numeric('tag', 4);
  }

  adminId(): string {
    return this.numeric('admin', 3);
  }

  /** The next id from `make` that `taken` does not already hold (explicit ids may occupy one). */
  static firstFree(make: () => string, taken: (id: string) => boolean): string {
    let id = make();
    while (taken(id)) id = make();
    return id;
  }

  private numeric(kind: 'conversation' | 'message' | 'tag' | 'admin', width: number): string {
    return String(this.salt) + String(++this.counters[kind]).padStart(width, '0');
  }
}

/** A random lowercase hex string of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
