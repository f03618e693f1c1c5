import * as z from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const url = z.url({ protocol: /^https?$/ });

const RATE_UNITS = { minute: 60, minutes: 60, hour: 3_600, hours: 3_600, day: 86_400, days: 86_400 } as const;
const RATE_EXPRESSION = /^rate\((\d+) (minutes?|hours?|days?)\)$/;

/** Seconds between two runs of an EventBridge rate expression such as `rate(1 day)`; undefined for anything else. */
export function rateSeconds(expression: string): number | undefined {
  const match = RATE_EXPRESSION.exec(expression);
  if (!match) return undefined;
  const count = Number(match[1]);
  return count > 0 ? count * RATE_UNITS[match[2] as keyof typeof RATE_UNITS] : undefined;
}

/** An EventBridge rate expression (`rate(15 minutes)`, `rate(1 day)`), as serverless.yml schedules a function with it. */
const rateExpression = (fallback: string) =>
  optionalString.pipe(
    z
      .string()
      .default(fallback)
      .refine((value) => rateSeconds(value) !== undefined, 'must be a rate expression such as rate(1 day)'),
  );

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
    /** The write-back queue: one ticket's link-back note per message. */
    WRITE_BACK_QUEUE_URL: url,
    /**
     * How often the feedback catch-up runs: an EventBridge rate expression, as serverless.yml gives
     * the schedule. Tags, replies and redactions whose webhooks all failed reach their tickets within about this.
     */
    FEEDBACK_CATCHUP_RATE: rateExpression('rate(5 minutes)'),
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
    /**
     * The events queue's visibility timeout, where it is shorter than the events worker's timeout.
     * AWS refuses a Lambda event source whose queue hides a message for less than the function's
     * timeout, so deployed stages leave it unset; the local stack sets it, since it caps visibility
     * timeouts for quick retries (lib/events/in-progress-window.ts says why the worker needs it).
     */
    EVENTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS: optionalString.pipe(z.coerce.number<string | undefined>().int().positive().optional()),
    /**
     * How often the contact reconciliation runs (serverless.yml schedules it with the same value);
     * a workspace reconciled within half of it is skipped.
     */
    CONTACTS_RECONCILE_RATE: rateExpression('rate(1 day)'),
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
