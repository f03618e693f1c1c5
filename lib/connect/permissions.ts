import type { IntercomClient } from '../intercom/client';
import { IntercomNotFoundError, IntercomPermissionError } from '../intercom/errors';

/** The permissions the seed's help page asks for, by the names Intercom's Developer Hub shows. */
export const PERMISSIONS = {
  listUsers: 'Read and list users and companies',
  writeUsers: 'Read and write users',
  readOneUser: 'Read one user and one company',
  readConversations: 'Read conversations',
  readTags: 'Read tags',
  readAdmins: 'Read admins',
} as const;

export type PermissionName = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

// Ids that no Intercom object has: a 404 proves the call was allowed.
const ABSENT_CONTACT_ID = '000000000000000000000000';
const ABSENT_CONVERSATION_ID = '0';

/**
 * One harmless read per permission. Intercom has no endpoint that lists a token's permissions,
 * so each is probed by the call that needs it; a 404 for an absent object counts as allowed.
 */
const probes: Array<[PermissionName, (intercom: IntercomClient, token: string) => Promise<unknown>]> = [
  [PERMISSIONS.readAdmins, (intercom, token) => intercom.listAdmins(token)],
  [PERMISSIONS.readTags, (intercom, token) => intercom.listTags(token)],
  [PERMISSIONS.listUsers, (intercom, token) => intercom.listContacts(token, { perPage: 1 })],
  [PERMISSIONS.readOneUser, (intercom, token) => intercom.request(token, 'GET', `/contacts/${ABSENT_CONTACT_ID}`, undefined)],
  [
    PERMISSIONS.readConversations,
    (intercom, token) => intercom.request(token, 'GET', `/conversations/${ABSENT_CONVERSATION_ID}`, undefined),
  ],
];

export interface PermissionReport {
  missing: PermissionName[];
  verified: PermissionName[];
  /** Permissions that no read-only call can prove, with the reason. */
  unverifiable: Array<{ permission: PermissionName; reason: string }>;
}

/** Probes every required permission at once; other failures (dead token, outage) are thrown. */
export async function checkPermissions(intercom: IntercomClient, token: string): Promise<PermissionReport> {
  const outcomes = await Promise.all(
    probes.map(async ([permission, probe]) => {
      try {
        await probe(intercom, token);
        return { permission, granted: true };
      } catch (error) {
        if (error instanceof IntercomNotFoundError) return { permission, granted: true };
        if (error instanceof IntercomPermissionError) return { permission, granted: false };
        throw error;
      }
    }),
  );
  return {
    missing: outcomes.filter((o) => !o.granted).map((o) => o.permission),
    verified: outcomes.filter((o) => o.granted).map((o) => o.permission),
    unverifiable: [
      {
        permission: PERMISSIONS.writeUsers,
        reason: 'Checking it would mean writing to your Intercom contacts; make sure it is ticked in your app.',
      },
    ],
  };
}
