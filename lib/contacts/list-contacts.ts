import { z } from 'zod';
import type { Dependencies } from '../platform/dependencies';
import type { Contact } from './contact';

/** `?cursor&limit` of `GET /v1/workspaces/{wid}/contacts`. */
export const contactsPageQuery = z.object({
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** A page of the workspace's synced contacts in Intercom id order; `nextCursor` is null on the last page. */
export async function listContacts(
  deps: Pick<Dependencies, 'contacts'>,
  input: { workspaceId: string; cursor?: string; limit: number },
): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
  return deps.contacts.list(input.workspaceId, { limit: input.limit, cursor: input.cursor });
}
