import { describe, expect, it } from 'vitest';
import { inboxCanvas, noticeCanvas, ticketCanvas } from '../../lib/canvas/canvases';
import { canvasKitErrors } from '../support/canvas-kit-contract';

const ticket = { id: 'tkt_1', productName: 'Mobile *app*', title: 'Export to iCal', url: 'https://app.timebook.test/products/p/feedback/tkt_1' };
const products = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `prod_${i}`, name: `Product ${String(i).padStart(2, '0')}` }));

describe("the inbox app's canvases, against Canvas Kit's schema", () => {
  it.each([
    ['no tickets, two products', inboxCanvas({ tickets: [], products: products(2) })],
    ['one product', inboxCanvas({ tickets: [ticket], products: products(1) })],
    ['more products than a dropdown takes', inboxCanvas({ tickets: [ticket], products: products(12), notice: { text: 'Choose a product first.', style: 'error' } })],
    ['blocked', inboxCanvas({ tickets: [ticket], products: [], blocked: { text: 'Not connected.', style: 'error' } })],
    ['a ticket', ticketCanvas({ ticket, created: true })],
    ['a notice', noticeCanvas({ text: 'Intercom did not answer as expected.', style: 'error' }, 'Try again.')],
  ])('%s', (_, canvas) => {
    expect(canvasKitErrors('initialize_response', canvas)).toEqual([]);
    expect(canvasKitErrors('submit_response', canvas)).toEqual([]);
  });

  it('offers at most ten products in the dropdown, and a one-product workspace a button that names it', () => {
    const many = inboxCanvas({ tickets: [], products: products(12) }).canvas.content.components;
    const dropdown = many.find((component) => component.type === 'dropdown') as unknown as { options: unknown[] };
    expect(dropdown.options).toHaveLength(10);
    const one = inboxCanvas({ tickets: [], products: products(1) }).canvas.content.components;
    expect(one.find((component) => component.type === 'dropdown')).toBeUndefined();
    expect(one.find((component) => component.type === 'button')).toMatchObject({ id: 'send:prod_0', action: { type: 'submit' } });
  });

  it('catches what Canvas Kit would refuse', () => {
    const broken = { canvas: { content: { components: [{ type: 'button', id: 'send', label: 'Send' }, { type: 'dropdown', id: 'p', options: [{ type: 'option', id: 'a' }] }, { type: 'video' }] } } };
    expect(canvasKitErrors('initialize_response', broken).length).toBeGreaterThan(0);
    expect(canvasKitErrors('initialize_response', { content: { components: [] } })).toContain("(root) must have required property 'canvas'");
  });
});
