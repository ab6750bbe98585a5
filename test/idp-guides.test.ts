/**
 * The IdP guides come from one definition (src/lists/idp-guides.ts): the web app's copy
 * must read as console steps only, and docs/idps/<idp>.md must hold the generated engineer's copy
 * unchanged (UPDATE_IDP_GUIDES=1 rewrites it), so the two cannot drift.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCS_BEGIN, DOCS_END, IDP_GUIDES, docsGuide, renderGuide } from '../src/lists/idp-guides.js';
import { defaultSchema } from '../src/roster/fields.js';
import { identifyIdp } from '../src/lists/idp.js';

const docs = path.join(import.meta.dirname, '..', 'docs', 'idps');
const schema = defaultSchema('userName');
const labels = new Map(schema.fields.map((f) => [f.key, f]));
const mapping = schema.mapping.map((m) => ({ source: m.source, label: labels.get(m.field)!.label, unique: labels.get(m.field)!.unique }));

describe('IdP guides', () => {
  it('the in-app guides name no command, curl, repository path or unchecked remark', () => {
    for (const g of IDP_GUIDES.values()) {
      for (const uid of ['userName', 'email', 'employeeNumber'] as const) {
        const md = renderGuide(g, { baseUrl: 'https://muster.example/scim/v2/lists/abc', uid, mapping }, 'the token you created above for {idp}').markdown;
        for (const bad of ['muster ', 'curl', 'src/', 'docs/', 'test/', '.md', '.json', ' --', 'we have not', 'not checked', 'unverified', '<your-muster>', '<listId>', 'https://<']) {
          expect(md, `${g.key} (${uid}) contains "${bad}"`).not.toContain(bad);
        }
        expect(md).toContain('https://muster.example/scim/v2/lists/abc');
        // The vendor pages the words were checked against belong to the engineer's copy only.
        expect(md.replaceAll('https://muster.example/scim/v2/lists/abc', ''), `${g.key} (${uid}) links a page`).not.toMatch(/https?:\/\//);
        expect(md).not.toContain('checked against');
        expect(md).not.toContain('{uidStep}');
        expect(md).toContain(`the token you created above for ${g.title}`);
        expect(md).toMatch(/^1\. /m);
      }
    }
  });

  it('a step that depends on the unique identifier reads right on its own for each identifier', () => {
    const okta = IDP_GUIDES.get('okta')!;
    const step = (uid: 'userName' | 'email' | 'employeeNumber') => renderGuide(okta, { baseUrl: 'https://muster.example/scim/v2/lists/abc', uid, mapping }, 'the token')
      .markdown.split('\n').find((l) => l.startsWith('5. '))!;
    for (const uid of ['userName', 'email', 'employeeNumber'] as const) {
      expect(step(uid)).toMatch(/^5\. In \*\*Unique identifier field for users\*\*, type `userName`: this is how Okta looks people up/);
    }
    expect(step('userName')).toMatch(/keyed on the username too/);
    expect(step('email')).toMatch(/keyed on the work email, which Okta sends from each person's \*\*Primary email\*\*/);
    expect(step('employeeNumber')).toMatch(/keyed on the employee number, which Okta sends once you add it/);
    for (const [uid, other] of [['userName', /employee number|work email/], ['email', /employee number|username too/], ['employeeNumber', /work email|username too/]] as const) {
      expect(step(uid), uid).not.toMatch(other);
    }
    // The engineer's copy gives all three, each under its identifier.
    const doc = docsGuide(okta, mapping);
    expect(doc).toMatch(/5\. It depends on the list's unique identifier:\n {3}- Keyed on \*\*username\*\*: .*\n {3}- Keyed on \*\*work email\*\*: .*\n {3}- Keyed on \*\*employee number\*\*: /);
  });

  it('every guide names, in the engineer\'s copy only, the pages its console words were checked against', () => {
    for (const g of IDP_GUIDES.values()) {
      expect(g.checkedAgainst.length, g.key).toBeGreaterThan(0);
      expect(docsGuide(g, mapping)).toContain('### Console words checked against');
      expect(g.checkedAgainst.join(' '), g.key).toMatch(/https:\/\//);
    }
  });

  it('the token a guide creates is labelled so that the audit trail names that IdP', () => {
    for (const g of IDP_GUIDES.values()) {
      expect(identifyIdp({ userAgent: undefined, tokenLabel: g.tokenLabel, tokenIdp: undefined, normalisations: [] })?.idp, g.key).toBe(g.title);
    }
  });

  it('docs/idps holds the generated engineer\'s copy of every guide', () => {
    for (const g of IDP_GUIDES.values()) {
      const file = path.join(docs, `${g.key}.md`);
      const text = fs.readFileSync(file, 'utf8');
      const a = text.indexOf(DOCS_BEGIN), b = text.indexOf(DOCS_END);
      expect(a, `${file} has the generated markers`).toBeGreaterThanOrEqual(0);
      expect(b).toBeGreaterThan(a);
      const want = docsGuide(g, mapping);
      const have = text.slice(a, b + DOCS_END.length);
      if (process.env.UPDATE_IDP_GUIDES === '1' && have !== want) fs.writeFileSync(file, text.slice(0, a) + want + text.slice(b + DOCS_END.length));
      else expect(have, `${file} drifted from src/lists/idp-guides.ts: run UPDATE_IDP_GUIDES=1 npx vitest run test/idp-guides.test.ts`).toBe(want);
    }
  });
});
