import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const url = z.url({ protocol: /^https?$/ });

/** Every setting the service reads, from the environment. Nothing else reads `process.env`. */
const configSchema = z
  .object({
    STAGE: z.string().min(1),
    TABLE_NAME: z.string().min(1),
    IDEMPOTENCY_TABLE_NAME: z.string().min(1),
    EVENTS_QUEUE_URL: url,
    BACKFILL_QUEUE_URL: url,
    SECRETS_PREFIX: z.string().min(1),
    /** The US host; also the OAuth exchange's and `GET /me`'s at connect, for every region. */
    INTERCOM_API_BASE_URL: url.default('https://api.intercom.io'),
    /** Every later call of an EU or AU workspace. */
    INTERCOM_API_BASE_URL_EU: url.default('https://api.eu.intercom.io'),
    INTERCOM_API_BASE_URL_AU: url.default('https://api.au.intercom.io'),
    INTERCOM_OAUTH_URL: url.default('https://app.intercom.com/oauth'),
    INTERCOM_VERSION: z.string().regex(/^\d+\.\d+$/, 'must look like 2.14'),
    INTERCOM_CLIENT_ID: optionalString,
    INTERCOM_CLIENT_SECRET_NAME: z.string().min(1),
    PUBLIC_BASE_URL: optionalString.pipe(url.optional()),
    APP_URL: optionalString.pipe(url.optional()),
    ADMIN_JWT_SECRET: optionalString,
    ADMIN_JWKS_URL: optionalString.pipe(url.optional()),
    ADMIN_JWT_AUDIENCE: z.string().min(1),
    ADMIN_JWT_ISSUER: optionalString,
  })
  .refine((env) => env.ADMIN_JWT_SECRET !== undefined || env.ADMIN_JWKS_URL !== undefined, {
    message: 'set ADMIN_JWT_SECRET (local) or ADMIN_JWKS_URL (deployed)',
    path: ['ADMIN_JWT_SECRET'],
  });

export type Config = z.infer<typeof configSchema>;

/** Thrown at cold start when the environment is incomplete; names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and checks an environment; throws {@link ConfigError} naming each missing or invalid variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The process's configuration, parsed from `process.env` on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
