import * as z from 'zod';
import { refusedFields } from '../platform/errors';
import { lazy } from '../platform/lazy';
import { logger } from '../platform/logger';

/** A synced contact, as the API shows it. Times are ISO-8601 strings in UTC. */
export interface Contact {
  /** Intercom's contact id. */
  id: string;
  externalId: string | null;
  role: 'user' | 'lead';
  email: string | null;
  name: string | null;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
  customAttributes: Record<string, unknown>;
}

/** A contact with the Intercom times it was read with, in unix seconds. */
export interface IntercomContactSnapshot {
  contact: Contact;
  createdAtSeconds: number;
  updatedAtSeconds: number;
  /** The Intercom workspace the contact belongs to (Intercom's `workspace_id`), when Intercom says. */
  appId: string | null;
}

/** Built on first use (lib/platform/lazy.ts), so a function that reads no contact does not pay for it. */
const intercomContactSchema = lazy(() => {
  /**
   * An Intercom time: unix seconds in REST answers, ISO-8601 strings (`2026-01-10T04:22:28.240+00:00`)
   * in contact webhooks. Both become whole unix seconds, the precision REST offers.
   */
  const intercomTime = z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds =
      typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value) / 1000;
    if (!Number.isFinite(seconds) || seconds < 0) {
      ctx.addIssue({ code: 'custom', message: 'not a unix time or an ISO-8601 string' });
      return z.NEVER;
    }
    return Math.floor(seconds);
  });

  const optionalText = z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => (value === undefined || value === null || value === '' ? null : String(value)));

  /**
   * The contact fields this service copies. Lenient like every Intercom shape here: unknown fields
   * pass (and are left behind rather than copied), and only the id, role and the two times are required.
   */
  return z.object({
    id: z.string().min(1),
    role: z.enum(['user', 'lead']),
    external_id: optionalText,
    // Intercom answers an empty string for a contact without an email.
    email: optionalText,
    name: optionalText,
    phone: optionalText,
    created_at: intercomTime,
    updated_at: intercomTime,
    custom_attributes: z.record(z.string(), z.unknown()).nullish(),
    workspace_id: optionalText,
  });
});

/** Thrown for an Intercom contact that lacks a field the service depends on. */
export class InvalidIntercomContactError extends Error {
  override readonly name = 'InvalidIntercomContactError';
}

/** Maps an Intercom contact (REST or webhook flavour) to a {@link Contact} and its times. */
export function contactFromIntercom(item: unknown): IntercomContactSnapshot {
  const c = plainRestContact(item) ?? parseContact(item);
  return {
    contact: {
      id: c.id,
      externalId: c.external_id,
      role: c.role,
      email: c.email,
      name: c.name,
      phone: c.phone,
      createdAt: isoTime(c.created_at),
      updatedAt: isoTime(c.updated_at),
      customAttributes: c.custom_attributes ?? {},
    },
    createdAtSeconds: c.created_at,
    updatedAtSeconds: c.updated_at,
    appId: c.workspace_id,
  };
}

type ParsedContact = z.output<ReturnType<typeof intercomContactSchema>>;

function parseContact(item: unknown): ParsedContact {
  const parsed = intercomContactSchema().safeParse(item);
  if (!parsed.success) {
    const fields = refusedFields(parsed.error);
    throw new InvalidIntercomContactError(`Not an Intercom contact: check ${fields.join(', ')}`);
  }
  return parsed.data;
}

const isText = (value: unknown) => value === undefined || value === null || typeof value === 'string' || typeof value === 'number';
const textOf = (value: unknown) => (value === undefined || value === null || value === '' ? null : String(value));
const isSeconds = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * What {@link intercomContactSchema} makes of a contact in the shape REST answers give every
 * contact of a page (times in unix seconds, plain fields), read without the schema; undefined for
 * anything else, which the schema then reads (or refuses with its reasons).
 */
function plainRestContact(item: unknown): ParsedContact | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const c = item as Record<string, unknown>;
  const attributes = c.custom_attributes;
  if (
    typeof c.id !== 'string' ||
    c.id === '' ||
    (c.role !== 'user' && c.role !== 'lead') ||
    !isSeconds(c.created_at) ||
    !isSeconds(c.updated_at) ||
    !isText(c.external_id) ||
    !isText(c.email) ||
    !isText(c.name) ||
    !isText(c.phone) ||
    !isText(c.workspace_id) ||
    !(attributes === undefined || attributes === null || (typeof attributes === 'object' && Object.getPrototypeOf(attributes) === Object.prototype))
  ) {
    return undefined;
  }
  return {
    id: c.id,
    role: c.role,
    external_id: textOf(c.external_id),
    email: textOf(c.email),
    name: textOf(c.name),
    phone: textOf(c.phone),
    created_at: Math.floor(c.created_at),
    updated_at: Math.floor(c.updated_at),
    custom_attributes: attributes as Record<string, unknown> | null | undefined,
    workspace_id: textOf(c.workspace_id),
  };
}

/**
 * Maps a page of Intercom contacts. A contact Intercom returns malformed is logged and left out,
 * so that one bad record cannot block the rest of its page for ever.
 */
export function readIntercomContacts(items: readonly unknown[]): IntercomContactSnapshot[] {
  const snapshots: IntercomContactSnapshot[] = [];
  for (const item of items) {
    try {
      snapshots.push(contactFromIntercom(item));
    } catch (error) {
      if (!(error instanceof InvalidIntercomContactError)) throw error;
      logger.warn('Skipped a malformed Intercom contact', { reason: error.message });
    }
  }
  return snapshots;
}

function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}
