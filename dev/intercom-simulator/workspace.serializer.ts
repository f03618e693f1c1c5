import type { AdminRecord } from './model';
import type { Workspace } from './workspace';

/** `/me`, `/admins`, `/tags` and list pagination in Intercom's wire shapes (OpenAPI 2.16). */

const DEFAULT_AVATAR = 'https://static.intercomassets.com/assets/default-avatars/admins/128.png';

/** `GET /me`: the token's admin with the workspace as `app`. */
export function meView(workspace: Workspace, admin: AdminRecord): Record<string, unknown> {
  const { settings } = workspace;
  return {
    type: 'admin',
    id: admin.id,
    email: admin.email,
    name: admin.name,
    email_verified: true,
    app: {
      type: 'app',
      id_code: settings.appId,
      name: settings.name,
      created_at: settings.createdAt,
      secure: false,
      identity_verification: false,
      timezone: settings.timezone,
      region: settings.region,
    },
    avatar: { type: 'avatar', image_url: DEFAULT_AVATAR },
    has_inbox_seat: true,
  };
}

/** `GET /admins` (not paginated). */
export function adminListView(workspace: Workspace): Record<string, unknown> {
  return {
    type: 'admin.list',
    admins: workspace.admins.map((admin) => ({
      type: 'admin',
      email: admin.email,
      id: admin.id,
      name: admin.name,
      ...(admin.jobTitle === null ? {} : { job_title: admin.jobTitle }),
      away_mode_enabled: false,
      away_mode_reassign: false,
      has_inbox_seat: true,
      team_ids: [],
    })),
  };
}

/** `GET /tags` (not paginated: every tag of the workspace). */
export function tagListView(workspace: Workspace): Record<string, unknown> {
  return { type: 'list', data: [...workspace.tags.values()].map((tag) => ({ type: 'tag', id: tag.id, name: tag.name })) };
}

/** Intercom's cursor `pages` object; `next` is left out on the last page. */
export function pagesView(page: number, perPage: number, total: number, nextCursor: string | null): Record<string, unknown> {
  const pages: Record<string, unknown> = { type: 'pages' };
  if (nextCursor !== null) pages.next = { page: page + 1, starting_after: nextCursor };
  return Object.assign(pages, { page, per_page: perPage, total_pages: Math.ceil(total / perPage) });
}
