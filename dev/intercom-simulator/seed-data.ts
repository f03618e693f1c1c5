import type { IdFactory } from './id-factory';
import type {
  AdminRecord,
  AuthorRecord,
  ContactLocation,
  ContactRecord,
  ConversationRecord,
  PartRecord,
} from './model';
import type { Prng } from './prng';

/** Deterministic, realistic-looking workspace data. Same seed and ids in, same records out. */

const FIRST_NAMES = [
  'Ada', 'Ben', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gabriel', 'Hana', 'Ibrahim', 'Jonas', 'Kavya', 'Liam',
  'Mei', 'Nora', 'Oluwaseun', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomás', 'Uma', 'Valentina', 'Wei', 'Ximena',
  'Yusuf', 'Zoë', 'Amara', 'Björn', 'Carmen', 'Diego',
];
const LAST_NAMES = [
  'Okafor', 'Schmidt', 'García', 'Nakamura', "O'Brien", 'Kowalski', 'Haddad', 'Lindqvist', 'Moreau', 'Patel',
  'Rossi', 'Silva', 'Tanaka', 'Usman', 'Varga', 'Walsh', 'Xu', 'Yilmaz', 'Zimmermann', 'Andersen',
];
const DOMAINS = ['example.com', 'example.org', 'acme.test', 'globex.test', 'initech.test', 'umbrella.test'];
const LOCATIONS: ContactLocation[] = [
  { country: 'United States', region: 'California', city: 'San Francisco', countryCode: 'USA', continentCode: 'NA' },
  { country: 'Germany', region: 'Berlin', city: 'Berlin', countryCode: 'DEU', continentCode: 'EU' },
  { country: 'Ireland', region: 'Dublin', city: 'Dublin', countryCode: 'IRL', continentCode: 'EU' },
  { country: 'Brazil', region: 'São Paulo', city: 'São Paulo', countryCode: 'BRA', continentCode: 'SA' },
  { country: 'Japan', region: 'Tokyo', city: 'Tokyo', countryCode: 'JPN', continentCode: 'AS' },
  { country: 'Australia', region: 'New South Wales', city: 'Sydney', countryCode: 'AUS', continentCode: 'OC' },
  { country: null, region: null, city: null, countryCode: null, continentCode: null },
];
const BROWSERS: Array<[string, string]> = [['chrome', '126.0.0.0'], ['firefox', '127.0'], ['safari', '17.5'], ['edge', '125.0.0.0']];
const OPERATING_SYSTEMS = ['OS X 14.5', 'Windows 10', 'Linux', 'iOS 17.5', 'Android 14'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];

const CUSTOMER_MESSAGES = [
  '<p>Hi! Is there a way to export my reports to CSV &amp; PDF?</p>',
  '<p>The calendar view is really slow when I have more than 200 events.</p>',
  '<p>It would be great if I could <b>bulk edit</b> tasks.</p>',
  '<p>I can&#39;t find the dark mode setting, does it exist?</p>',
  '<p>Feature request: let us pin comments to the top of a thread.</p>',
  '<p>The mobile app logs me out every day. Could it remember me?</p>',
  '<p>Please add an integration with <a href="https://example.com/sheets">our spreadsheet tool</a>.</p>',
  '<p>Your pricing page says "unlimited seats" but I hit a limit at 25.</p>',
  '<p>Can I get a weekly digest email instead of one per update?</p><p>Thanks in advance</p>',
  '<p>Keyboard shortcuts for moving cards between columns would save me hours.</p>',
];
const ADMIN_REPLIES = [
  '<p>Thanks for reaching out! Let me check that for you.</p>',
  '<p>Good news: this is on our roadmap. I have shared your feedback with the product team.</p>',
  '<p>Could you tell me which browser you are using?</p>',
  '<p>I have logged this, we will let you know when it ships.</p>',
];
const USER_REPLIES = [
  '<p>Sure, I am on Chrome.</p>',
  '<p>Thanks, that would really help our team.</p>',
  '<p>Any update on this?</p>',
  '<p>Great, thank you!</p>',
];
const ADMIN_NOTES = [
  '<p>Third request for this feature this month.</p>',
  '<p>Customer is on the enterprise trial, please prioritise.</p>',
  '<p>Linked to the export epic.</p>',
];
const BOT_REPLIES = [
  '<p>Thanks! The team will reply as soon as they can.</p>',
  '<p>I have passed this on to the team. You will get a reply here and by email.</p>',
];
const TITLES = ['Export to CSV', 'Slow calendar', 'Bulk edit', 'Dark mode', 'Mobile login', null, null, null];

const slugs = new Map<string, string>();

/** `first.last` reduced to ASCII letters, for email local parts (cached: the name lists are small). */
function emailSlug(first: string, last: string): string {
  const key = `${first} ${last}`;
  let slug = slugs.get(key);
  if (slug === undefined) {
    slug = `${first}.${last}`.normalize('NFD').toLowerCase().replace(/[^a-z.]/g, '');
    slugs.set(key, slug);
  }
  return slug;
}

/** Options for {@link generateContacts}. */
export interface ContactSeedOptions {
  count: number;
  /** Share of leads, the rest are users. */
  leadRatio: number;
  /** created_at is spread uniformly over [startAt, endAt]. */
  startAt: number;
  endAt: number;
  /** Admin ids a few contacts are owned by. */
  ownerIds: readonly string[];
}

/** Generates `count` contacts. `ordinal` numbers them across seed calls for unique emails. */
export function generateContacts(options: ContactSeedOptions, prng: Prng, ids: IdFactory, ordinal: number): ContactRecord[] {
  const span = Math.max(0, options.endAt - options.startAt);
  const records: ContactRecord[] = new Array(options.count);
  for (let i = 0; i < options.count; i++) {
    const n = ordinal + i + 1;
    const role = prng.chance(options.leadRatio) ? 'lead' : 'user';
    const first = prng.pick(FIRST_NAMES);
    const last = prng.pick(LAST_NAMES);
    const createdAt = options.startAt + Math.floor(prng.next() * (span + 1));
    const sinceCreated = options.endAt - createdAt;
    const updatedAt = prng.chance(0.5) ? createdAt : createdAt + Math.floor(prng.next() * (sinceCreated + 1));
    const lastSeenAt = prng.chance(0.7) ? createdAt + Math.floor(prng.next() * (sinceCreated + 1)) : null;
    const [browser, browserVersion] = prng.pick(BROWSERS);
    const localPart = emailSlug(first, last);
    records[i] = {
      id: ids.contactId(createdAt),
      externalId: role === 'user' ? `user-${n}` : prng.chance(0.3) ? `lead-${n}` : null,
      role,
      email: `${localPart}.${n}@${prng.pick(DOMAINS)}`,
      phone: prng.chance(0.3) ? `+1 555 01${String(n % 100).padStart(2, '0')}` : null,
      name: role === 'lead' && prng.chance(0.2) ? null : `${first} ${last}`,
      ownerId: options.ownerIds.length > 0 && prng.chance(0.1) ? prng.pick(options.ownerIds) : null,
      avatarUrl: null,
      createdAt,
      updatedAt,
      signedUpAt: role === 'user' ? createdAt : null,
      lastSeenAt,
      lastRepliedAt: null,
      lastContactedAt: null,
      lastEmailOpenedAt: null,
      lastEmailClickedAt: null,
      hasHardBounced: prng.chance(0.01),
      markedEmailAsSpam: false,
      unsubscribedFromEmails: prng.chance(0.05),
      languageOverride: null,
      browser,
      browserVersion,
      browserLanguage: prng.pick(['en', 'en-GB', 'de', 'fr', 'pt-BR', 'ja']),
      os: prng.pick(OPERATING_SYSTEMS),
      location: { ...prng.pick(LOCATIONS) },
      customAttributes: role === 'user' ? { plan: prng.pick(PLANS), seats: prng.int(1, 250) } : {},
      tagIds: [],
    };
  }
  return records;
}

/** An author snapshot for a contact. */
export function contactAuthor(contact: ContactRecord): AuthorRecord {
  return { type: contact.role, id: contact.id, name: contact.name, email: contact.email, fromAiAgent: false, isAiAnswer: false };
}

/** An author snapshot for a teammate. */
export function adminAuthor(admin: AdminRecord): AuthorRecord {
  return { type: 'admin', id: admin.id, name: admin.name, email: admin.email, fromAiAgent: false, isAiAnswer: false };
}

/** Names for admins created without one. */
export function adminName(index: number): { name: string; slug: string } {
  const first = FIRST_NAMES[(index * 7 + 3) % FIRST_NAMES.length] as string;
  const last = LAST_NAMES[(index * 3 + 1) % LAST_NAMES.length] as string;
  return { name: `${first} ${last}`, slug: emailSlug(first, last) };
}

/** What a seeded conversation needs from its workspace. */
export interface ConversationSeedContext {
  prng: Prng;
  ids: IdFactory;
  admins: readonly AdminRecord[];
  bot: AuthorRecord;
}

type ScriptStep = 'bot' | 'assignment' | 'admin' | 'user' | 'note';
const SCRIPT: ScriptStep[] = ['bot', 'assignment', 'admin', 'user', 'note'];

/**
 * A customer-initiated conversation from `contact` at `createdAt` with `partCount` parts: a bot
 * reply, an assignment without text, an admin reply, a user reply and an admin note, then
 * alternating replies.
 */
export function generateConversation(
  ctx: ConversationSeedContext,
  contact: ContactRecord,
  createdAt: number,
  partCount: number,
): ConversationRecord {
  const { prng, ids } = ctx;
  const admin = prng.pick(ctx.admins);
  const customer = contactAuthor(contact);
  const sourceId = ids.messageId();
  const parts: PartRecord[] = [];
  let time = createdAt;
  for (let i = 0; i < partCount; i++) {
    const step: ScriptStep = i < SCRIPT.length ? (SCRIPT[i] as ScriptStep) : i % 2 === 1 ? 'admin' : 'user';
    time += prng.int(5, 3600);
    const base = { id: ids.messageId(), createdAt: time, updatedAt: time, notifiedAt: time, redacted: false, state: 'open' as const, tagIds: [] };
    if (step === 'bot') parts.push({ ...base, partType: 'comment', body: prng.pick(BOT_REPLIES), assignedTo: null, author: ctx.bot });
    if (step === 'assignment') {
      parts.push({ ...base, partType: 'assignment', body: null, assignedTo: { type: 'admin', id: admin.id }, author: ctx.bot });
    }
    if (step === 'admin') {
      parts.push({ ...base, partType: 'comment', body: prng.pick(ADMIN_REPLIES), assignedTo: null, author: adminAuthor(admin) });
    }
    if (step === 'user') parts.push({ ...base, partType: 'comment', body: prng.pick(USER_REPLIES), assignedTo: null, author: customer });
    if (step === 'note') parts.push({ ...base, partType: 'note', body: prng.pick(ADMIN_NOTES), assignedTo: null, author: adminAuthor(admin) });
  }
  const assigned = parts.some((part) => part.partType === 'assignment');
  const lastUserPart = [...parts].reverse().find((part) => part.author.id === contact.id);
  return {
    id: ids.conversationId(),
    createdAt,
    updatedAt: time,
    title: prng.pick(TITLES),
    state: 'open',
    read: prng.chance(0.5),
    priority: 'none',
    adminAssigneeId: assigned ? admin.id : null,
    teamAssigneeId: null,
    waitingSince: lastUserPart ? lastUserPart.createdAt : createdAt,
    snoozedUntil: null,
    source: {
      type: 'conversation',
      id: sourceId,
      deliveredAs: 'customer_initiated',
      subject: '',
      body: prng.pick(CUSTOMER_MESSAGES),
      author: customer,
      url: prng.chance(0.5) ? 'https://app.example.com/dashboard' : null,
      redacted: false,
      tagIds: [],
    },
    contactIds: [contact.id],
    tags: [],
    parts,
    customAttributes: {},
  };
}

/** The default text of a part added at run time without a body. */
export function defaultBody(kind: 'user' | 'admin' | 'note' | 'bot', prng: Prng): string {
  const pool = { user: USER_REPLIES, admin: ADMIN_REPLIES, note: ADMIN_NOTES, bot: BOT_REPLIES }[kind];
  return prng.pick(pool);
}
