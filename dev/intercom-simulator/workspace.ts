import { ContactStore } from './contact-store';
import { ControlError, unknown } from './control-error';
import type {
  AddPartInput,
  CreateAdminInput,
  CreateContactInput,
  CreateConversationInput,
  CreateTagsInput,
  RedactInput,
  SeedContactsInput,
  SeedConversationsInput,
  TagConversationInput,
  UpdateContactInput,
  UpdateWorkspaceInput,
} from './control.schema';
import type { ConversationPredicate, ConversationSort } from './conversation-search';
import { FaultInjector } from './fault-injector';
import { IdFactory } from './id-factory';
import {
  REDACTED_BODY_HTML,
  type AdminRecord,
  type AuthorRecord,
  type ContactRecord,
  type ConversationRecord,
  type ConversationTagRecord,
  type DeletedContactRecord,
  type PartRecord,
  type TagRecord,
} from './model';
import type { MissingPermissionStyle } from './permissions';
import { createPrng, hashString, randomSeed, type Prng } from './prng';
import { RateLimiter } from './rate-limiter';
import type { Region } from './regions';
import { RequestStats } from './request-stats';
import { SearchResults, type After, type RowPage } from './search-results';
import { adminAuthor, adminName, contactAuthor, defaultBody, generateContacts, generateConversation } from './seed-data';

export interface WorkspaceSettings {
  appId: string;
  name: string;
  region: Region;
  /** The US host refuses this workspace's tokens except on `GET /me` when it is not a US workspace. */
  strictRegion: boolean;
  timezone: string;
  createdAt: number;
  clientSecret: string;
  missingPermissionStyle: MissingPermissionStyle;
  apiVersion: string;
  /** Tagging or untagging a conversation moves its `updated_at` (default false). */
  tagTouchesUpdatedAt: boolean;
  /** Redacting a part or the source moves the conversation's `updated_at` (default false). */
  redactTouchesUpdatedAt: boolean;
}

/** The webhook topic a newly added part would trigger, when it triggers one. */
export type PartTopic =
  | 'conversation.user.replied'
  | 'conversation.admin.replied'
  | 'conversation.admin.noted'
  | 'conversation.operator.replied';

const DAY = 86_400;

/** Current unix time in seconds. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * One Intercom workspace ("app"): its teammates, tags, contacts and conversations, plus the
 * rate limiter, faults and request statistics that apply to its tokens.
 */
export class Workspace {
  readonly ids: IdFactory;
  readonly contacts = new ContactStore();
  /**
   * Change conversations only through this class's methods: they bump the version that keeps
   * cached conversation searches current.
   */
  readonly conversations = new Map<string, ConversationRecord>();
  private readonly conversationSearches = new SearchResults<ConversationRecord>();
  private conversationVersion = 0;
  readonly tags = new Map<string, TagRecord>();
  readonly admins: AdminRecord[] = [];
  readonly bot: AdminRecord;
  readonly rateLimiter = new RateLimiter();
  readonly faults = new FaultInjector();
  readonly stats = new RequestStats();
  private contactOrdinal = 0;
  /** Default text for parts added without a body; seeded per workspace so runs repeat. */
  private readonly textPrng: Prng;

  constructor(
    public settings: WorkspaceSettings,
    salt: number,
  ) {
    this.ids = new IdFactory(salt);
    this.textPrng = createPrng(hashString(settings.appId));
    this.addAdmin({});
    this.bot = { id: this.ids.adminId(), name: 'Fin', email: `operator+${settings.appId}@intercom.io`, jobTitle: null };
  }

  get appId(): string {
    return this.settings.appId;
  }

  update(input: UpdateWorkspaceInput): void {
    const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    this.settings = { ...this.settings, ...defined };
  }

  /** Drops contacts, conversations and tags, statistics, faults and rate-limit counts; keeps identity, admins and tokens. */
  reset(): void {
    this.contacts.clear();
    this.conversations.clear();
    this.conversationSearches.clear();
    this.conversationVersion += 1;
    this.tags.clear();
    this.stats.reset();
    this.faults.clear();
    this.rateLimiter.reset();
  }

  // Teammates and tags

  addAdmin(input: CreateAdminInput): AdminRecord {
    const generated = adminName(this.admins.length);
    const admin: AdminRecord = {
      id: this.ids.adminId(),
      name: input.name ?? generated.name,
      email: input.email ?? `${generated.slug}@${this.emailDomain()}`,
      jobTitle: input.jobTitle ?? null,
    };
    this.admins.push(admin);
    return admin;
  }

  admin(adminId?: string): AdminRecord {
    if (adminId === undefined) return this.admins[0] as AdminRecord;
    const admin = this.admins.find((a) => a.id === adminId);
    if (!admin) throw unknown('admin', adminId);
    return admin;
  }

  botAuthor(aiAgent = false): AuthorRecord {
    return { type: 'bot', id: this.bot.id, name: this.bot.name, email: this.bot.email, fromAiAgent: aiAgent, isAiAnswer: aiAgent };
  }

  /** Adds tags; a name the workspace already has returns the existing tag. */
  addTags(input: CreateTagsInput): TagRecord[] {
    const wanted: Array<{ id?: string; name: string }> = [
      ...(input.tags ?? []),
      ...(input.names ?? []).map((name) => ({ name })),
      ...Array.from({ length: input.count ?? 0 }, (_, i) => ({ name: `Tag ${this.tags.size + i + 1}` })),
    ];
    return wanted.map((tag) => this.addTag(tag.name, tag.id));
  }

  addTag(name: string, id?: string): TagRecord {
    const existing = [...this.tags.values()].find((tag) => tag.name === name);
    if (existing) {
      if (id !== undefined && existing.id !== id) throw new ControlError(409, 'conflict', `Tag "${name}" already exists with id ${existing.id}`);
      return existing;
    }
    if (id !== undefined && this.tags.has(id)) throw new ControlError(409, 'conflict', `Tag id ${id} is taken`);
    const tag = { id: id ?? IdFactory.firstFree(() => this.ids.tagId(), (candidate) => this.tags.has(candidate)), name };
    this.tags.set(tag.id, tag);
    return tag;
  }

  tag(tagId: string): TagRecord {
    const tag = this.tags.get(tagId);
    if (!tag) throw unknown('tag', tagId);
    return tag;
  }

  // Contacts

  seedContacts(input: SeedContactsInput): { created: number; total: number; firstId: string | null; lastId: string | null } {
    const endAt = input.endAt ?? nowSeconds();
    const startAt = input.startAt ?? endAt - (input.days ?? 365) * DAY;
    if (startAt > endAt) throw new ControlError(400, 'invalid_request', 'startAt must not be after endAt');
    const records = generateContacts(
      { count: input.count, leadRatio: input.leadRatio ?? 0.3, startAt, endAt, ownerIds: this.admins.map((a) => a.id) },
      createPrng(input.seed ?? randomSeed()),
      this.ids,
      this.contactOrdinal,
    );
    this.contactOrdinal += records.length;
    this.contacts.insertMany(records);
    return { created: records.length, total: this.contacts.size, firstId: records[0]?.id ?? null, lastId: records.at(-1)?.id ?? null };
  }

  createContact(input: CreateContactInput): ContactRecord {
    const now = nowSeconds();
    const createdAt = input.createdAt ?? now;
    const role = input.role ?? 'user';
    const id = input.id ?? this.ids.contactId(createdAt);
    if (this.contacts.get(id)) throw new ControlError(409, 'conflict', `Contact ${id} exists`);
    this.contactOrdinal += 1;
    const record: ContactRecord = {
      id,
      externalId: null,
      role,
      email: '',
      phone: null,
      name: null,
      ownerId: null,
      avatarUrl: null,
      createdAt,
      updatedAt: createdAt,
      signedUpAt: role === 'user' ? createdAt : null,
      lastSeenAt: null,
      lastRepliedAt: null,
      lastContactedAt: null,
      lastEmailOpenedAt: null,
      lastEmailClickedAt: null,
      hasHardBounced: false,
      markedEmailAsSpam: false,
      unsubscribedFromEmails: false,
      languageOverride: null,
      browser: null,
      browserVersion: null,
      browserLanguage: null,
      os: null,
      location: { country: null, region: null, city: null, countryCode: null, continentCode: null },
      customAttributes: {},
      tagIds: [],
    };
    this.applyContactFields(record, input);
    record.updatedAt = input.updatedAt ?? createdAt;
    this.contacts.insert(record);
    return record;
  }

  /** Changes a contact; `updated_at` moves to now unless `updatedAt` is given. */
  updateContact(contactId: string, input: UpdateContactInput): ContactRecord {
    const record = this.contact(contactId);
    this.applyContactFields(record, input);
    record.updatedAt = input.updatedAt ?? Math.max(nowSeconds(), record.createdAt);
    this.contacts.touch();
    return record;
  }

  deleteContact(contactId: string): DeletedContactRecord {
    const tombstone = this.contacts.delete(contactId, nowSeconds());
    if (!tombstone) throw unknown('contact', contactId);
    return tombstone;
  }

  /** Archives a contact (no notification): listing and search leave it out, `GET /contacts/{id}` still answers. */
  archiveContact(contactId: string): { id: string; archived: true } {
    if (!this.contacts.archive(contactId)) throw unknown('contact', contactId);
    return { id: contactId, archived: true };
  }

  contact(contactId: string): ContactRecord {
    const record = this.contacts.get(contactId);
    if (!record) throw unknown('contact', contactId);
    return record;
  }

  private applyContactFields(record: ContactRecord, input: UpdateContactInput): void {
    if (input.role !== undefined) record.role = input.role;
    if (input.email !== undefined) record.email = input.email;
    if (input.name !== undefined) record.name = input.name;
    if (input.externalId !== undefined) record.externalId = input.externalId;
    if (input.phone !== undefined) record.phone = input.phone;
    if (input.ownerId !== undefined) record.ownerId = input.ownerId;
    if (input.createdAt !== undefined) record.createdAt = input.createdAt;
    if (input.signedUpAt !== undefined) record.signedUpAt = input.signedUpAt;
    if (input.lastSeenAt !== undefined) record.lastSeenAt = input.lastSeenAt;
    if (input.unsubscribedFromEmails !== undefined) record.unsubscribedFromEmails = input.unsubscribedFromEmails;
    if (input.customAttributes !== undefined) record.customAttributes = { ...record.customAttributes, ...input.customAttributes };
    if (input.location !== undefined) {
      const defined = Object.fromEntries(Object.entries(input.location).filter(([, value]) => value !== undefined));
      record.location = { ...record.location, ...defined };
    }
    if (input.tagIds !== undefined) {
      input.tagIds.forEach((tagId) => this.tag(tagId));
      record.tagIds = [...input.tagIds];
    }
  }

  // Conversations

  seedConversations(input: SeedConversationsInput): ConversationRecord[] {
    const prng = createPrng(input.seed ?? randomSeed());
    const endAt = input.endAt ?? nowSeconds();
    const startAt = input.startAt ?? endAt - (input.days ?? 30) * DAY;
    if (startAt > endAt) throw new ControlError(400, 'invalid_request', 'startAt must not be after endAt');
    const pool = this.contacts.listPage(null, 1000).rows;
    const created: ConversationRecord[] = [];
    for (let i = 0; i < input.count; i++) {
      // Without contacts to pick from, a lead arrives shortly before its conversation.
      const picked = pool.length > 0 ? prng.pick(pool) : undefined;
      const leadAge = picked ? 0 : prng.int(60, 3600);
      const drawn = startAt + Math.floor(prng.next() * (endAt - startAt + 1));
      const contact = picked ?? this.createContact(this.leadAt(drawn - leadAge));
      const createdAt = Math.max(drawn, contact.createdAt);
      const partCount = input.partsPerConversation ?? prng.int(5, 7);
      const conversation = generateConversation(
        { prng, ids: this.ids, admins: this.admins, bot: this.botAuthor() },
        contact,
        createdAt,
        partCount,
      );
      this.conversations.set(conversation.id, conversation);
      created.push(conversation);
    }
    this.conversationVersion += 1;
    return created;
  }

  createConversation(input: CreateConversationInput): ConversationRecord {
    if (input.id !== undefined && this.conversations.has(input.id)) {
      throw new ControlError(409, 'conflict', `Conversation ${input.id} exists`);
    }
    const createdAt = input.createdAt ?? nowSeconds();
    const contact =
      input.contactId !== undefined ? this.contact(input.contactId) : this.createContact(this.leadAt(createdAt - this.textPrng.int(60, 3600)));
    const id = input.id ?? IdFactory.firstFree(() => this.ids.conversationId(), (candidate) => this.conversations.has(candidate));
    const conversation: ConversationRecord = {
      id,
      createdAt,
      updatedAt: createdAt,
      title: input.title ?? null,
      state: 'open',
      read: false,
      priority: 'none',
      adminAssigneeId: null,
      teamAssigneeId: null,
      waitingSince: createdAt,
      snoozedUntil: null,
      source: {
        type: input.sourceType ?? 'conversation',
        id: this.ids.messageId(),
        deliveredAs: input.deliveredAs ?? 'customer_initiated',
        subject: input.subject ?? '',
        body: input.body ?? '<p>Hi, I have some feedback about the product.</p>',
        author: contactAuthor(contact),
        url: input.url ?? null,
        redacted: false,
        tagIds: [],
      },
      contactIds: [contact.id],
      tags: [],
      parts: [],
      customAttributes: {},
    };
    this.conversations.set(id, conversation);
    this.conversationVersion += 1;
    for (const part of input.parts ?? []) this.addPart(id, part);
    return conversation;
  }

  /** Deletes a conversation, as an admin deleting it in the inbox: the REST API answers 404 for it from then on. */
  deleteConversation(conversationId: string): void {
    this.conversation(conversationId);
    this.conversations.delete(conversationId);
  }

  conversation(conversationId: string): ConversationRecord {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw unknown('conversation', conversationId);
    return conversation;
  }

  /** Appends a part and returns it with the webhook topic Intercom would send for it. */
  addPart(conversationId: string, input: AddPartInput): { part: PartRecord; topic: PartTopic | null } {
    const conversation = this.conversation(conversationId);
    const last = conversation.parts.at(-1)?.createdAt ?? conversation.createdAt;
    const createdAt = input.createdAt ?? Math.max(nowSeconds(), last);
    const admin = this.admin(input.adminId);
    const customerId = conversation.contactIds[0];
    const customer = customerId !== undefined ? this.contacts.get(customerId) : undefined;
    const textOr = (kind: 'user' | 'admin' | 'note' | 'bot'): string | null =>
      input.body !== undefined ? input.body : defaultBody(kind, this.textPrng);

    let partType: string;
    let body: string | null;
    let author: AuthorRecord;
    let assignedTo: PartRecord['assignedTo'] = null;
    let topic: PartTopic | null = null;
    switch (input.kind) {
      case 'user_reply':
        partType = 'comment';
        body = textOr('user');
        author = customer ? contactAuthor(customer) : conversation.source.author;
        topic = 'conversation.user.replied';
        conversation.waitingSince = createdAt;
        if (customer) customer.lastRepliedAt = createdAt;
        break;
      case 'admin_reply':
        partType = 'comment';
        body = textOr('admin');
        author = adminAuthor(admin);
        topic = 'conversation.admin.replied';
        conversation.waitingSince = null;
        break;
      case 'admin_note':
        partType = 'note';
        body = textOr('note');
        author = adminAuthor(admin);
        topic = 'conversation.admin.noted';
        break;
      case 'bot_reply':
        partType = 'comment';
        body = textOr('bot');
        author = this.botAuthor(input.aiAgent ?? false);
        topic = 'conversation.operator.replied';
        break;
      case 'assignment': {
        const assignee = this.admin(input.assignToAdminId ?? admin.id);
        partType = 'assignment';
        body = input.body ?? null;
        author = adminAuthor(admin);
        assignedTo = { type: 'admin', id: assignee.id };
        conversation.adminAssigneeId = assignee.id;
        topic = body !== null ? 'conversation.admin.replied' : null;
        break;
      }
      case 'close':
      case 'open':
        partType = input.kind;
        body = input.body ?? null;
        author = adminAuthor(admin);
        conversation.state = input.kind === 'close' ? 'closed' : 'open';
        break;
    }
    const part: PartRecord = {
      id: this.ids.messageId(),
      partType: input.partType ?? partType,
      body,
      createdAt,
      updatedAt: createdAt,
      notifiedAt: createdAt,
      assignedTo,
      author,
      redacted: false,
      state: conversation.state,
      tagIds: [],
    };
    conversation.parts.push(part);
    conversation.updatedAt = Math.max(conversation.updatedAt, createdAt);
    this.conversationVersion += 1;
    return { part, topic };
  }

  /**
   * Applies a tag to one part (or the source) of a conversation, as an agent tagging a message
   * does. Re-applying a tag moves its `applied_at`.
   */
  tagConversation(conversationId: string, input: TagConversationInput): ConversationTagRecord {
    const conversation = this.conversation(conversationId);
    const tag = input.tagId !== undefined ? this.tag(input.tagId) : this.addTag(input.tagName as string);
    const admin = this.admin(input.adminId);
    const target = input.partId ?? [...conversation.parts].reverse().find((part) => part.body !== null)?.id ?? conversation.source.id;
    const tagged = target === conversation.source.id ? conversation.source : conversation.parts.find((part) => part.id === target);
    if (!tagged) throw unknown('conversation part', target);
    if (!tagged.tagIds.includes(tag.id)) tagged.tagIds.push(tag.id);
    const appliedAt = input.appliedAt ?? nowSeconds();
    const record: ConversationTagRecord = { tagId: tag.id, appliedAt, appliedBy: { type: 'admin', id: admin.id }, partId: target };
    conversation.tags = conversation.tags.filter((existing) => existing.tagId !== tag.id).concat(record);
    if (this.settings.tagTouchesUpdatedAt) conversation.updatedAt = Math.max(conversation.updatedAt, appliedAt);
    this.conversationVersion += 1;
    return record;
  }

  /** Removes a tag from a conversation (the parts keep their history). */
  untagConversation(conversationId: string, tagId: string): void {
    const conversation = this.conversation(conversationId);
    if (!conversation.tags.some((tag) => tag.tagId === tagId)) throw unknown('conversation tag', tagId);
    conversation.tags = conversation.tags.filter((tag) => tag.tagId !== tagId);
    if (this.settings.tagTouchesUpdatedAt) conversation.updatedAt = Math.max(conversation.updatedAt, nowSeconds());
    this.conversationVersion += 1;
  }

  /**
   * Replaces a part's or the source's body with Intercom's deletion notice. The part's
   * `updated_at` moves to `redactedAt` (default now); the conversation's only with
   * `redactTouchesUpdatedAt`.
   */
  redact(conversationId: string, input: RedactInput): { partId: string } {
    const conversation = this.conversation(conversationId);
    const at = input.redactedAt ?? nowSeconds();
    let partId: string;
    if (input.source) {
      conversation.source.body = REDACTED_BODY_HTML;
      conversation.source.redacted = true;
      partId = conversation.source.id;
    } else {
      const part = conversation.parts.find((candidate) => candidate.id === input.partId);
      if (!part) throw unknown('conversation part', input.partId ?? '');
      part.body = REDACTED_BODY_HTML;
      part.redacted = true;
      part.updatedAt = Math.max(part.updatedAt, at);
      partId = part.id;
    }
    if (this.settings.redactTouchesUpdatedAt) conversation.updatedAt = Math.max(conversation.updatedAt, at);
    this.conversationVersion += 1;
    return { partId };
  }

  /** One page of a conversation search (see SearchResults); `cacheKey` identifies query and sort. */
  searchConversations(
    cacheKey: string,
    predicate: ConversationPredicate,
    sort: ConversationSort,
    after: After | null,
    perPage: number,
  ): RowPage<ConversationRecord> {
    const all = (): Iterable<ConversationRecord> => this.conversations.values();
    return this.conversationSearches.page(cacheKey, this.conversationVersion, all, predicate, sort, after, perPage);
  }

  /** A valid email domain derived from the app id (which may contain `_`). */
  private emailDomain(): string {
    const label = this.appId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'workspace';
    return `${label}.example.com`;
  }

  /** An anonymous lead that arrived at `createdAt`. */
  private leadAt(createdAt: number): CreateContactInput {
    const n = this.contactOrdinal + 1;
    return { role: 'lead', name: null, email: `visitor.${n}@example.net`, createdAt };
  }
}
