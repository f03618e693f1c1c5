import * as z from 'zod';

/*
 * Intercom's response shapes, as far as this service reads them. Lenient: unknown fields pass,
 * and only what the service depends on is required.
 */

export const errorListSchema = z.looseObject({
  type: z.literal('error.list'),
  request_id: z.string().nullish(),
  errors: z.array(z.looseObject({ code: z.string(), message: z.string().nullish() })).min(1),
});

/** `GET /me`: the admin behind the token and the workspace (`app.id_code`) it belongs to. */
export const meSchema = z.looseObject({
  type: z.literal('admin'),
  id: z.string(),
  app: z.looseObject({
    id_code: z.string().min(1),
    name: z.string(),
    region: z.string().nullish(),
    timezone: z.string().nullish(),
  }),
});
export type IntercomMe = z.infer<typeof meSchema>;

export const tagSchema = z.looseObject({ type: z.literal('tag'), id: z.string(), name: z.string() });
export const tagListSchema = z.looseObject({ type: z.literal('list'), data: z.array(tagSchema) });
export type IntercomTag = z.infer<typeof tagSchema>;

export const tokenResponseSchema = z.looseObject({
  token_type: z.string().optional(),
  access_token: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
});

export const adminListSchema = z.looseObject({ type: z.literal('admin.list'), admins: z.array(z.looseObject({ id: z.string() })) });

/** A contact (`GET /contacts/{id}`); `lib/contacts/contact.ts` reads the fields it copies. */
export const contactSchema = z.looseObject({ type: z.literal('contact'), id: z.string() });

export const contactListSchema = z.looseObject({
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
