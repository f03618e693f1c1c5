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

  it('keeps unknown envelope fields and rejects an envelope without app_id', () => {
    expect(event('ping').notification).toHaveProperty('links');
    expect(() =>
      queuedEventSchema.parse({ workspaceId: 'w', receivedAt: '2026-11-27T10:00:00.000Z', notification: { type: 'notification_event', topic: 'x' } }),
    ).toThrow(/app_id/);
  });
});
