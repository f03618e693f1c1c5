import type { IntercomClient } from '../intercom/client';
import { IntercomError, IntercomNotFoundError, IntercomPermissionError } from '../intercom/errors';
import { logger } from '../platform/logger';
import { WRITE_CONVERSATIONS } from './connection';

/** The permissions the seed's help page asks for, by the names Intercom's Developer Hub shows. */
export const PERMISSIONS = {
  listUsers: 'Read and list users and companies',
  writeUsers: 'Read and write users',
  readOneUser: 'Read one user and one company',
  readConversations: 'Read conversations',
  readTags: 'Read tags',
  readAdmins: 'Read admins',
} as const;

/** Permissions only some settings need: the connect reports them missing, it does not fail. */
export const OPTIONAL_PERMISSIONS = { writeConversations: WRITE_CONVERSATIONS } as const;

export type OptionalPermissionName = (typeof OPTIONAL_PERMISSIONS)[keyof typeof OPTIONAL_PERMISSIONS];

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

/**
 * Whether the token may post notes ("Write conversations"). The probe is a note on a conversation
 * id that no conversation has: Intercom checks the permission first, so 401 `token_unauthorized`
 * or 403 means it is missing and 404 means it is granted; nothing is ever written. Any other
 * failure (an outage, a dead token) is thrown: it proves nothing either way.
 */
export async function canWriteConversations(intercom: IntercomClient, token: string): Promise<boolean> {
  try {
    await intercom.request(token, 'POST', `/conversations/${ABSENT_CONVERSATION_ID}/reply`, undefined, {
      json: { type: 'admin', message_type: 'note', admin_id: ABSENT_CONVERSATION_ID, body: 'Permission check' },
      retry: false,
    });
    // A 200 for a conversation that cannot exist is not Intercom's documented answer.
    return false;
  } catch (error) {
    if (error instanceof IntercomNotFoundError) return true;
    if (error instanceof IntercomPermissionError) return false;
    throw error;
  }
}

/**
 * The optional permissions the token lacks, as the connect reports them. A probe that got no clear
 * answer counts its permission as missing, so the connect never fails on it; switching the setting
 * that needs it on checks again.
 */
export async function missingOptionalPermissions(intercom: IntercomClient, token: string): Promise<OptionalPermissionName[]> {
  try {
    return (await canWriteConversations(intercom, token)) ? [] : [OPTIONAL_PERMISSIONS.writeConversations];
  } catch (error) {
    if (!(error instanceof IntercomError)) throw error;
    logger.warn('The Write conversations check got no clear answer; it counts as missing', { intercomStatus: error.status, intercomCode: error.code });
    return [OPTIONAL_PERMISSIONS.writeConversations];
  }
}
