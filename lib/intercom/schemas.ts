import * as z from 'zod';
import { lazy } from '../platform/lazy';

/*
 * Intercom's response shapes, as far as this service reads them. Lenient: unknown fields pass,
 * and only what the service depends on is required.
 */

const schemas = lazy(() => {
  const errorList = z.looseObject({
    type: z.literal('error.list'),
    request_id: z.string().nullish(),
    errors: z.array(z.looseObject({ code: z.string(), message: z.string().nullish() })).min(1),
  });

  /** `GET /me`: the admin behind the token and the workspace (`app.id_code`) it belongs to. */
  const me = z.looseObject({
    type: z.literal('admin'),
    id: z.string(),
    app: z.looseObject({
      id_code: z.string().min(1),
      name: z.string(),
      region: z.string().nullish(),
      timezone: z.string().nullish(),
    }),
  });

  const tag = z.looseObject({ type: z.literal('tag'), id: z.string(), name: z.string() });
  const tagList = z.looseObject({ type: z.literal('list'), data: z.array(tag) });

  const tokenResponse = z.looseObject({
    token_type: z.string().optional(),
    access_token: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
  });

  const adminList = z.looseObject({ type: z.literal('admin.list'), admins: z.array(z.looseObject({ id: z.string() })) });

  /** A contact (`GET /contacts/{id}`); `lib/contacts/contact.ts` reads the fields it copies. */
  const contact = z.looseObject({ type: z.literal('contact'), id: z.string() });

  const contactList = z.looseObject({
    type: z.literal('list'),
    // Each contact is read, and a malformed one skipped, by `lib/contacts/contact.ts`; checking them
    // here as well would copy every page of contacts once more.
    data: z.array(z.unknown()),
    total_count: z.number().int().optional(),
    pages: z
      .looseObject({
        next: z.looseObject({ starting_after: z.string().nullish() }).nullish(),
      })
      .optional(),
  });
  return { errorList, me, tag, tagList, tokenResponse, adminList, contact, contactList };
});

export const errorListSchema = () => schemas().errorList;
export const meSchema = () => schemas().me;
export const tagSchema = () => schemas().tag;
export const tagListSchema = () => schemas().tagList;
export const tokenResponseSchema = () => schemas().tokenResponse;
export const adminListSchema = () => schemas().adminList;
export const contactSchema = () => schemas().contact;
export const contactListSchema = () => schemas().contactList;

type Schemas = ReturnType<typeof schemas>;
export type IntercomMe = z.infer<Schemas['me']>;
export type IntercomTag = z.infer<Schemas['tag']>;
