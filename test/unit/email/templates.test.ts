import { describe, expect, it } from 'vitest';
import { checkTemplate, DEFAULT_TEMPLATES, EMAIL_KINDS, KINDS, renderEmail } from '../../../src/email/templates.js';

describe('email templates', () => {
  it('every default template is valid and renders with its sample values, leaving no placeholder behind', () => {
    for (const kind of EMAIL_KINDS) {
      expect(checkTemplate(kind, DEFAULT_TEMPLATES[kind]), kind).toEqual([]);
      const r = renderEmail(DEFAULT_TEMPLATES[kind], KINDS[kind].sample);
      expect(`${r.subject}${r.text}${r.html}`, kind).not.toMatch(/\{\{|\}\}/);
      expect(r.text).toContain('Ada Lovelace');
    }
  });

  it('escapes values in HTML, never in plain text, and keeps the subject on one line', () => {
    const r = renderEmail({ subject: 'For {{name}}', text: 'Hi {{name}}: {{link}}', html: '<p>Hi {{name}}</p><a href="{{link}}">go</a>' },
      { name: '<script>alert("x")</script> O\'Brien &\r\nBcc: evil@example.com', link: 'https://m.example/p/a?b=1&c="2"' });
    expect(r.html).toBe('<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp;\r\nBcc: evil@example.com</p><a href="https://m.example/p/a?b=1&amp;c=&quot;2&quot;">go</a>');
    expect(r.text).toContain('<script>alert("x")</script> O\'Brien &');
    expect(r.subject).not.toMatch(/[\r\n]/);
    expect(r.subject).toBe('For <script>alert("x")</script> O\'Brien & Bcc: evil@example.com');
  });

  it('shows a section only when its value is set', () => {
    const t = DEFAULT_TEMPLATES.wallet_pass;
    const onlyGoogle = renderEmail(t, { name: 'A', organisation: 'O', appleLink: '', googleLink: 'https://pay.google.com/gp/v/save/x' });
    expect(onlyGoogle.text).toContain('Google Wallet');
    expect(onlyGoogle.text).not.toContain('Apple Wallet');
    expect(onlyGoogle.html).not.toContain('Apple Wallet');
  });

  it('reports every problem: unknown values, a missing link, unclosed sections, an empty subject, text too long', () => {
    const problems = checkTemplate('photo_invitation', { subject: '', text: 'Hello {{nmae}} {{#link}}'.padEnd(20_010, '.'), html: '<p>{{name}}</p>' });
    const messages = problems.map((p) => `${p.field}: ${p.message}`);
    expect(messages).toEqual(expect.arrayContaining([
      'text: at most 20000 characters',
      expect.stringMatching(/^text: \{\{nmae\}\} is not a value of this message; use \{\{name\}\}, \{\{organisation\}\}, \{\{link\}\}, \{\{expires\}\}/),
      'text: {{#link}} is never closed with {{/link}}',
      'subject: give the message a subject',
      'text: the message must contain {{link}}',
      'html: the message must contain {{link}}',
    ]));
    expect(checkTemplate('card_ready', { subject: 'Ready', text: 'Your card, {{name}}', html: '' })).toEqual([]);
    expect(checkTemplate('card_ready', { subject: 'a\nb', text: 'x', html: '' }).map((p) => p.message)).toContain('the subject is one line');
  });
});
