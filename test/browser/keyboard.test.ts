/**
 * Without a mouse: the mapping editor and the card editor driven by real key presses only (Tab,
 * Shift+Tab, Enter, Escape, the arrow keys and typing) after the page is opened, with the focus
 * visible at every stop. A real Muster (real HTTP, fresh SQLite database) serving the built app,
 * driven in Chromium; people provisioned through the real SCIM endpoint. Each test starts from its
 * own fresh Muster and arranges what it needs (the owner, the SCIM list and its two people) itself.
 */
import { describe, expect, it } from 'vitest';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible, expectVisibleFocus, isFocused, tabTo } from './a11y.js';
import { createScimList, ownerSignedIn, signUpOwner, worldPerTest } from './browser.js';

const DEPT = `${ENTERPRISE}:department`;

// 404 is the answer for "no approved photo yet" in the card preview (the world lets 401 and 404 pass).
const world = worldPerTest();

async function provision(scimBase: string, token: string, userName: string, given: string, family: string, title: string, department: string): Promise<void> {
  const r = await fetch(`${scimBase}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family }, displayName: `${given} ${family}`,
      emails: [{ value: userName, type: 'work', primary: true }], title, [ENTERPRISE]: { department, employeeNumber: String(1000 + userName.length) },
    }),
  });
  expect(r.status).toBe(201);
}

/** The SCIM list "Staff" (created through the API by the signed-in owner) with Ada and Grace: its id. */
async function staffWithTwoPeople(): Promise<string> {
  const { page, origin } = world();
  const created = await createScimList(page, origin);
  await provision(created.scimBase, created.token, 'ada@northwind.example', 'Ada', 'Lovelace', 'Engineer', 'Mathematics');
  await provision(created.scimBase, created.token, 'grace@northwind.example', 'Grace', 'Hopper', 'Rear Admiral', 'Computing');
  return created.listId;
}

/** The owner signed in through the API, and the list with its two people. */
async function arranged(): Promise<string> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  return staffWithTwoPeople();
}

describe('keyboard only: the mapping editor and the card editor', () => {
  it('the owner sets up Muster and a SCIM list; two people arrive', async () => {
    const { page, origin } = world();
    await signUpOwner(page, origin);
    await staffWithTwoPeople();
  });

  it('the mapping editor: skip link, change a source, discard, add and remove a source, Escape a confirmation, preview and save', async () => {
    const { page, origin } = world();
    const listId = await arranged();
    await page.goto(`${origin}/lists/${listId}/mapping`);
    await page.getByRole('heading', { name: 'Mapping editor: Staff' }).waitFor();
    const source = page.getByLabel('Source for Job title', { exact: true });
    await expect.poll(() => source.inputValue()).toBe('title');
    // The received attributes the arrow keys move through come with the editor's last request.
    await source.locator('option', { hasText: /received \d+ times?$/ }).first().waitFor({ state: 'attached' });

    // The first Tab shows the skip link; Enter skips the bar, so the next Tab lands in the main area.
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await page.keyboard.press('Tab');
    await expectVisibleFocus(skip);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.locator('main :focus').count(), 'focus is in the main area after the skip link').toBe(1);

    // A source is changed with the arrow keys; the bar says there are unsaved changes.
    await tabTo(page, source);
    await expectVisibleFocus(source);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => source.inputValue()).not.toBe('title');
    await page.getByText('Unsaved changes').waitFor();

    // Back up to the bar with Shift+Tab: Discard changes puts the saved mapping back.
    const discard = page.getByRole('button', { name: 'Discard changes' });
    await tabTo(page, discard, { back: true });
    await expectVisibleFocus(discard);
    await page.keyboard.press('Enter');
    await expect.poll(() => source.inputValue()).toBe('title');
    expect(await page.getByText('Unsaved changes').count()).toBe(0);

    // A second source for Job title, added and removed with Enter; focus stays in the row.
    const addSource = page.getByRole('button', { name: 'Add source for Job title' });
    await tabTo(page, addSource);
    await expectVisibleFocus(addSource);
    await page.keyboard.press('Enter');
    const second = page.getByLabel('Source 2 for Job title', { exact: true });
    await second.waitFor();
    const removeSecond = page.getByRole('button', { name: 'Remove source 2 for Job title' });
    await tabTo(page, removeSecond, { back: true });
    await expectVisibleFocus(removeSecond);
    await page.keyboard.press('Enter');
    await expect.poll(() => second.count()).toBe(0);
    expect(await isFocused(addSource), 'focus goes to "Add source" after a source is removed').toBe(true);
    await page.getByRole('button', { name: 'Discard changes' }).waitFor();

    // Remove field asks first; Escape takes the question back and returns focus to the button.
    const removeField = page.getByRole('button', { name: 'Remove field Job title' });
    await tabTo(page, removeField);
    await expectVisibleFocus(removeField);
    await page.keyboard.press('Enter');
    const confirmRemove = page.getByRole('button', { name: 'Remove Job title', exact: true });
    await expectVisibleFocus(confirmRemove);
    await expectAccessible(page, 'the mapping editor asking to remove a field');
    await page.keyboard.press('Escape');
    await expect.poll(() => confirmRemove.count()).toBe(0);
    await expectVisibleFocus(removeField);
    expect(await source.inputValue()).toBe('title');

    // Change the source for real, preview it for Grace, then save: all from the keyboard.
    await tabTo(page, source, { back: true });
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    for (let i = 0; i < 40 && (await source.inputValue()) !== DEPT; i++) await page.keyboard.press('ArrowDown');
    expect(await source.inputValue()).toBe(DEPT);
    const preview = page.getByRole('complementary', { name: 'Preview' });
    const person = preview.getByLabel('Person', { exact: true });
    // The preview sits after every field's row: a long way by Tab (each field has four stops).
    await tabTo(page, person, { max: 200 });
    await expectVisibleFocus(person);
    for (let i = 0; i < 5 && !(await person.locator('option:checked').innerText()).includes('grace@'); i++) await page.keyboard.press('ArrowDown');
    expect(await person.locator('option:checked').innerText()).toContain('grace@');
    const previewButton = preview.getByRole('button', { name: 'Preview' });
    await tabTo(page, previewButton);
    await expectVisibleFocus(previewButton);
    await page.keyboard.press('Enter');
    await expect.poll(() => preview.getByRole('row', { name: /Job title/ }).innerText()).toContain('Computing');

    const save = page.getByRole('button', { name: 'Save mapping' });
    await tabTo(page, save, { back: true, max: 200 });
    await expectVisibleFocus(save);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Re-deriving' }).innerText(), { timeout: 20_000 }).toContain('finished');
    expect(await source.inputValue()).toBe(DEPT);
  });

  it('the card editor: open it, pick an element, edit its text, move it keeping focus, switch sides, save', async () => {
    const { page, origin } = world();
    const listId = await arranged();
    await page.goto(`${origin}/lists/${listId}/cards`);
    const edit = page.getByRole('link', { name: 'Edit “Staff ID”' });
    await edit.waitFor();
    await tabTo(page, edit);
    await expectVisibleFocus(edit);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Card editor: Staff ID' }).waitFor();
    const front = page.getByRole('img', { name: 'Card preview, front' });
    await front.waitFor();

    // Pick the card-kind element and retype its text; the preview follows.
    const elements = page.getByRole('list', { name: 'Elements on the front' });
    const kind = elements.getByRole('button', { name: /^card-kind/ });
    await tabTo(page, kind);
    await expectVisibleFocus(kind);
    await page.keyboard.press('Enter');
    expect(await kind.getAttribute('aria-pressed')).toBe('true');
    const text = page.getByLabel('Text', { exact: true });
    await tabTo(page, text);
    await expectVisibleFocus(text);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('VISITOR');
    await expect.poll(() => front.locator('text').allTextContents()).toContain('VISITOR');

    // Move it earlier with Enter: the list changes order and focus stays on the moved element's arrow.
    const order = async () => (await elements.getByRole('listitem').allInnerTexts()).map((t) => t.split(' ')[0]);
    const before = await order();
    const at = before.indexOf('card-kind');
    expect(at).toBeGreaterThan(0);
    const earlier = page.getByRole('button', { name: 'Move card-kind earlier (drawn below)' });
    await tabTo(page, earlier, { back: true });
    await expectVisibleFocus(earlier);
    await page.keyboard.press('Enter');
    await expect.poll(order).not.toEqual(before);
    expect((await order()).indexOf('card-kind')).toBe(at - 1);
    const stillHere = (await isFocused(earlier)) || (await isFocused(page.getByRole('button', { name: 'Move card-kind later (drawn on top)' })));
    expect(stillHere, 'focus stays on the moved element’s arrows').toBe(true);
    await expectAccessible(page, 'the card editor while editing with the keyboard');

    // The Back side, and back to the front.
    const back = page.getByRole('group', { name: 'Side' }).getByRole('button', { name: 'Back' });
    await tabTo(page, back, { back: true });
    await expectVisibleFocus(back);
    await page.keyboard.press('Enter');
    expect(await back.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('list', { name: 'Elements on the back' }).waitFor();
    const frontButton = page.getByRole('group', { name: 'Side' }).getByRole('button', { name: 'Front' });
    await page.keyboard.press('Shift+Tab');
    await expectVisibleFocus(frontButton);
    await page.keyboard.press('Enter');
    expect(await frontButton.getAttribute('aria-pressed')).toBe('true');

    const save = page.getByRole('button', { name: 'Save template' });
    await tabTo(page, save, { back: true });
    await expectVisibleFocus(save);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).innerText()).toBe('Saved “Staff ID”.');
    const saved = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/card-templates`)).json()) as { templates: { template: { front: { elements: { id: string; text?: string }[] } } }[] };
    const ids = saved.templates[0]!.template.front.elements.map((e) => e.id);
    expect(ids.indexOf('card-kind')).toBe(at - 1);
    expect(saved.templates[0]!.template.front.elements.find((e) => e.id === 'card-kind')?.text).toBe('VISITOR');
  });
});
