import { describe, expect, it } from 'vitest';
import { dispatchEvent } from '../../lib/events/dispatch-event';
import { queuedEventSchema } from '../../lib/events/queued-event';
import { queuedEvent } from '../support/factories';

const event = queuedEvent;

describe('dispatchEvent', () => {
  it('runs the handler registered for the topic', async () => {
    const seen: string[] = [];
    const outcome = await dispatchEvent({ 'conversation.user.replied': async (e) => void seen.push(e.workspaceId) }, event('conversation.user.replied'));
    expect(outcome).toBe('handled');
    expect(seen).toEqual(['ws_1']);
  });

  it('acknowledges an unknown topic without retrying it', async () => {
    expect(await dispatchEvent({}, event('company.created'))).toBe('ignored');
  });

  it('lets a handler failure through so the record is retried', async () => {
    const registry = { 'conversation.user.replied': async () => Promise.reject(new Error('Intercom 500')) };
    await expect(dispatchEvent(registry, event('conversation.user.replied'))).rejects.toThrow('Intercom 500');
  });

  it('takes ids and times only: a queued event with anything more, or without app_id, is refused', () => {
    const queued = event('conversation.user.replied');
    expect(Object.keys(queued.notification).sort()).toEqual(['app_id', 'created_at', 'id', 'topic']);
    expect(() => queuedEventSchema().parse({ ...queued, notification: { ...queued.notification, data: { item: { body: 'text' } } } })).toThrow(
      /data/,
    );
    expect(() => queuedEventSchema().parse({ ...queued, item: { body: 'text' } })).toThrow(/item/);
    const { app_id: _appId, ...withoutAppId } = queued.notification;
    expect(() => queuedEventSchema().parse({ ...queued, notification: withoutAppId })).toThrow(/app_id/);
    expect(() => queuedEventSchema().parse({ ...event('conversation_part.redacted'), redacted: undefined })).toThrow(/redacted/);
  });
});
