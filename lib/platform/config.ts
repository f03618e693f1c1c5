import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const url = z.url({ protocol: /^https?$/ });

/** The stage `npm start` and the tests run; every other stage is a deployed one. */
export const LOCAL_STAGE = 'local';

/**
 * What a deployed stage cannot run without: its webhook URLs and OAuth redirect are built from
 * PUBLIC_BASE_URL, its redirects and links point at APP_URL, and admin JWTs are checked against
 * the identity provider's keys and issuer. serverless.yml refuses to package without them too.
 */
export const REQUIRED_ON_DEPLOYED_STAGES = ['PUBLIC_BASE_URL', 'APP_URL', 'ADMIN_JWKS_URL', 'ADMIN_JWT_ISSUER'] as const;

/** Every setting the service reads, from the environment. Nothing else reads `process.env`. */
const configSchema = z
  .object({
    STAGE: z.string().min(1),
    TABLE_NAME: z.string().min(1),
    IDEMPOTENCY_TABLE_NAME: z.string().min(1),
    EVENTS_QUEUE_URL: url,
    BACKFILL_QUEUE_URL: url,
    FEEDBACK_CATCHUP_QUEUE_URL: url,
    /**
     * How often the feedback catch-up runs: an EventBridge rate expression, as serverless.yml gives
     * the schedule. Tags, replies and redactions whose webhooks all failed reach their tickets within about this.
     */
    FEEDBACK_CATCHUP_RATE: optionalString.pipe(
      z
        .string()
        .regex(/^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/, 'must look like rate(5 minutes)')
        .default('rate(5 minutes)'),
    ),
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
    /** An admin JWT issued (`iat`) longer ago than this is refused, whatever its `exp`. */
    ADMIN_JWT_MAX_AGE_SECONDS: optionalString.pipe(z.coerce.number<string | undefined>().int().positive().default(86_400)),
  })
  .superRefine((env, context) => {
    if (env.STAGE !== LOCAL_STAGE) {
      for (const name of REQUIRED_ON_DEPLOYED_STAGES) {
        if (env[name] === undefined) context.addIssue({ code: 'custom', path: [name], message: `required on a deployed stage (${env.STAGE})` });
      }
    } else if (env.ADMIN_JWT_SECRET === undefined && env.ADMIN_JWKS_URL === undefined) {
      context.addIssue({ code: 'custom', path: ['ADMIN_JWT_SECRET'], message: 'set ADMIN_JWT_SECRET (local) or ADMIN_JWKS_URL (deployed)' });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** A rate expression's period in seconds: `rate(5 minutes)` is 300. */
export function rateSeconds(rate: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(rate);
  if (!match) throw new ConfigError(`Not a rate expression: ${rate}`);
  return Number(match[1]) * { minute: 60, hour: 3_600, day: 86_400 }[match[2] as 'minute' | 'hour' | 'day'];
}

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
