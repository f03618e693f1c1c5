import { describe, expect, it } from 'vitest';
import { toPlainText } from '../../lib/intercom/plain-text';
import { exampleWebhookItem } from '../support/factories';

describe('toPlainText', () => {
  it.each([null, undefined, ''])('turns %s into an empty string', (body) => {
    expect(toPlainText(body)).toBe('');
  });

  it('returns text without markup unchanged but trimmed', () => {
    expect(toPlainText('  Exports should include archived projects\nand their tasks  ')).toBe(
      'Exports should include archived projects\nand their tasks',
    );
  });

  it('keeps a plain-text ampersand that is not an entity', () => {
    expect(toPlainText('Tom & Jerry')).toBe('Tom & Jerry');
  });

  it('keeps text that only looks like markup: comparisons and literal entities', () => {
    expect(toPlainText('x < 3 and y > 2')).toBe('x < 3 and y > 2');
    expect(toPlainText('write &amp; to escape')).toBe('write &amp; to escape');
    expect(toPlainText('<p>kept as typed</p>', 'text')).toBe('<p>kept as typed</p>');
  });

  it('leaves an entity outside Unicode as it was instead of failing', () => {
    expect(toPlainText('<p>&#99999999; and &#x110000;</p>')).toBe('&#99999999; and &#x110000;');
  });

  it('turns paragraphs and line breaks into newlines', () => {
    expect(toPlainText('<p>First line</p><p>Second line<br>third<br/>fourth<BR /></p>')).toBe(
      'First line\nSecond line\nthird\nfourth',
    );
  });

  it('keeps the text of links and emphasis and drops the tags', () => {
    expect(toPlainText('<p>See <a href="https://example.com/x">the <b>export</b> page</a>, <i>please</i></p>')).toBe(
      'See the export page, please',
    );
  });

  it('decodes named, decimal and hex entities once', () => {
    expect(toPlainText('<p>a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &apos;s&nbsp;x &#39;y&#39; &#x263A;</p>')).toBe(
      'a < b && c > d "q" \'s x \'y\' ☺',
    );
    expect(toPlainText('<p>&amp;lt;script&amp;gt;</p>')).toBe('&lt;script&gt;');
  });

  it('leaves an unknown named entity as it was', () => {
    expect(toPlainText('<p>&bogus; stays</p>')).toBe('&bogus; stays');
  });

  it('removes trailing spaces before newlines and collapses three or more newlines to two', () => {
    expect(toPlainText('<p>one   </p><p></p><p></p><p>two</p>')).toBe('one\n\ntwo');
  });

  it('reduces the bodies of captured 1.x webhook payloads to their text', () => {
    const noted = exampleWebhookItem('webhook-conversation.admin.noted.zulip-2019-v1shape.json') as {
      conversation_parts: { conversation_parts: { body: string }[] };
    };

    expect(toPlainText(noted.conversation_parts.conversation_parts[0]?.body)).toBe("Talk to Tim about this user's query.");
  });
});
