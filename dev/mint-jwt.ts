import { mintAdminJwt } from './admin-jwt';
import { localSettings } from './local-settings';

/** `npm run jwt -- <workspaceId>...`: prints a local admin JWT for those workspaces. */
async function main(): Promise<void> {
  const workspaceIds = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  if (workspaceIds.length === 0) {
    console.error('usage: npm run --silent jwt -- <workspaceId> [<workspaceId>...]');
    process.exit(2);
  }
  const settings = localSettings(process.env);
  console.log(
    await mintAdminJwt(settings.adminJwtSecret, {
      sub: process.env.JWT_SUBJECT ?? 'dev-admin',
      workspaceIds,
      audience: settings.adminJwtAudience,
    }),
  );
}

void main();
