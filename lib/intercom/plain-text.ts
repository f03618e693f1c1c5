const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

const HTML_TAG = /<\/?[a-z][a-z0-9-]*(\s[^<>]*)?\/?>/i;

/**
 * Plain text of an Intercom body. REST answers with `display_as=plaintext` and webhooks of app
 * version 2.15+ are already text (`format: 'text'` keeps them exactly); older webhook payloads
 * carry simple HTML. With `format: 'auto'` a body is treated as HTML only if it contains an HTML
 * tag, so text such as `x < 3` or a literal `&amp;` survives.
 */
export function toPlainText(body: string | null | undefined, format: 'text' | 'auto' = 'auto'): string {
  if (!body) return '';
  if (format === 'text' || !HTML_TAG.test(body)) return body.trim();
  return body
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|pre)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decodeEntity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntity(entity: string, name: string): string {
  if (name.startsWith('#')) {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }
  return ENTITIES[name.toLowerCase()] ?? entity;
}
