import type { Dependencies } from '../platform/dependencies';
import type { Contact } from './contact';

/** A page of the workspace's synced contacts in Intercom id order; `nextCursor` is null on the last page. */
export async function listContacts(
  deps: Pick<Dependencies, 'contacts'>,
  input: { workspaceId: string; cursor?: string; limit: number },
): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
  return deps.contacts.list(input.workspaceId, { limit: input.limit, cursor: input.cursor });
}
