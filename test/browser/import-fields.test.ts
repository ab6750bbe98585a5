/**
 * A list without a sync method, filled from a CSV and shaped in the mapping editor: the dry run
 * reports a bad row in words, Import creates the good rows, a field is relabelled, a dropdown field
 * is added with options and its options edited, and the skip link takes keyboard users past the
 * field rows to the preview. A real Muster (real HTTP, fresh SQLite database) serving the built
 * app, driven in Chromium; every new screen is checked with axe.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, expectVisibleFocus, isFocused, tabTo } from './a11y.js';
import { api, ownerSignedIn, signUpOwner, worldPerTest } from './browser.js';


const PEOPLE_CSV = [
  'username,First name,last_name,work_email',
  'ada@northwind.example,Ada,Lovelace,ada@northwind.example',
  'bad@northwind.example,Bad,Row,not-an-email',
  'grace@northwind.example,Grace,Hopper,grace@northwind.example',
].join('\n');

const BADGE_CSV = ['username,Badge colour', 'ada@northwind.example,blue', 'grace@northwind.example,green'].join('\n');

// 400 is an answer some tests provoke on purpose (a blank label, a refused dry run).
const world = worldPerTest({ expectedConsole: /status of 400/ });

async function chooseCsv(page: Page, name: string, csv: string): Promise<void> {
  await page.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
}

/** An owner signed in, and a list "Visitors" without a sync method: its id. */
async function visitorsList(): Promise<string> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const made = await api<{ list: { id: string } }>(page, origin, 'POST', '/lists', { name: 'Visitors', uidAttribute: 'userName', syncMethod: 'none' });
  return made.list.id;
}

/** Imports a CSV through the API (not the screen under test), all its good rows. */
async function imported(listId: string, csv: string): Promise<void> {
  const { page, origin } = world();
  await api(page, origin, 'POST', `/lists/${listId}/import`, csv, 'text/csv');
}

/** The list as the earlier steps of the journey leave it: first_name relabelled, a Red/Blue dropdown, Ada and Grace imported. */
async function shapedVisitors(): Promise<string> {
  const { page, origin } = world();
  const listId = await visitorsList();
  await imported(listId, PEOPLE_CSV);
  await api(page, origin, 'PATCH', `/lists/${listId}/fields/first_name`, { label: 'Given name' });
  await api(page, origin, 'POST', `/lists/${listId}/fields`, { key: 'badge_colour', label: 'Badge colour', type: 'dropdown', options: ['Red', 'Blue'] });
  return listId;
}

describe('CSV import and roster fields, in the browser', () => {
  it('the owner sets up Muster and creates a list without a sync method', async () => {
    const { page, origin } = world();
    await signUpOwner(page, origin);
    await page.getByLabel('List name').fill('Visitors');
    await page.getByRole('radio', { name: /None — import a CSV/ }).check();
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Visitors: people' }).waitFor();
    const listId = /\/lists\/([^/]+)/.exec(new URL(page.url()).pathname)![1]!;
    const list = await api(page, origin, 'GET', `/lists/${listId}`);
    expect(list).toMatchObject({ name: 'Visitors', syncMethod: 'none' });
  });

  it('imports a CSV: the dry run shows the bad row in words, Import creates the good rows, the people appear', async () => {
    const { page, origin } = world();
    const listId = await visitorsList();
    await page.goto(`${origin}/lists/${listId}/people`);
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await page.getByRole('heading', { name: 'Visitors: import people from a CSV file' }).waitFor();
    const main = page.getByRole('main');
    // The column help names the list's fields, which load after the heading: wait for it, then read.
    await main.getByText('The Username column (username) is required').waitFor();
    expect(await main.innerText()).toContain('The Username column (username) is required');
    expect(await page.getByRole('link', { name: 'Download the current roster as CSV' }).getAttribute('href')).toBe(`/api/v1/lists/${listId}/people/export`);
    await expectAccessible(page, 'the CSV import screen');

    await chooseCsv(page, 'visitors.csv', PEOPLE_CSV);
    const report = page.getByRole('heading', { name: 'What the import would do' });
    await report.waitFor();
    expect(await isFocused(report), 'focus moves to the report').toBe(true);
    expect(await main.innerText()).toContain('The file has 3 rows: 2 people would be created, 0 people updated, 0 people unchanged; 1 row has a problem and would be skipped.');
    const bad = page.getByRole('table', { name: /Rows that would be skipped/ }).getByRole('row', { name: /Row 3/ });
    const cells = await bad.getByRole('cell').allInnerTexts();
    expect(cells).toEqual(['work_email', 'not-an-email', '"not-an-email" is not an email address']);
    // Nothing changed yet.
    const before = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/people`)).json()) as { total: number };
    expect(before.total).toBe(0);
    await expectAccessible(page, 'the CSV import screen with a dry-run report');

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    expect(await main.innerText()).toContain('Imported 3 rows: 2 people created, 0 people updated, 0 people unchanged; 1 row has a problem and was skipped.');
    await expectAccessible(page, 'the CSV import screen after importing');

    await page.getByRole('link', { name: 'Show the people' }).click();
    const table = page.getByRole('table', { name: 'People on Visitors' });
    await table.waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Showing' }).innerText()).toBe('Showing 1–2 of 2 people');
    // The people come with one request, the name columns with the list's fields.
    await expect.poll(() => table.innerText()).toContain('Ada');
    const text = await table.innerText();
    expect(text).toContain('Ada');
    expect(text).toContain('Hopper');
    expect(text).not.toContain('bad@northwind.example');
  });

  it('relabels a field (a blank label is refused in words beside it) and adds a dropdown field with options', async () => {
    const { page, origin } = world();
    const listId = await visitorsList();
    await page.goto(`${origin}/lists/${listId}/mapping`);
    await page.getByRole('heading', { name: 'Mapping editor: Visitors' }).waitFor();

    const form = page.getByRole('form', { name: 'Change a field' });
    await form.getByLabel('Field', { exact: true }).selectOption('first_name');
    const label = form.getByLabel('Label');
    await expect.poll(() => label.inputValue()).toBe('First name');
    await expectAccessible(page, 'the mapping editor with the Change a field form');
    await label.fill('   ');
    await form.getByRole('button', { name: 'Save field' }).click();
    expect(await form.getByRole('alert').innerText()).toBe('That was not accepted: field "first_name" needs a label');
    await label.fill('Given name');
    await form.getByRole('button', { name: 'Save field' }).click();
    await page.getByRole('status').filter({ hasText: 'Field Given name saved.' }).waitFor();
    expect(await page.getByRole('row', { name: /Given name/ }).innerText()).toContain('first_name');
    expect(await form.getByRole('alert').count(), 'the refusal is gone once the field is saved').toBe(0);

    const add = page.getByRole('form', { name: 'Add a field' });
    await add.getByLabel('Label').fill('Badge colour');
    await add.getByLabel('Type').selectOption('dropdown');
    await add.getByLabel('Options').fill('Red\n Blue \n\n');
    await expectAccessible(page, 'the mapping editor adding a dropdown field');
    await add.getByRole('button', { name: 'Add field' }).click();
    await page.getByRole('row', { name: /Badge colour/ }).waitFor();
    const fields = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/fields`)).json()) as { fields: { key: string; label: string; type: string; options?: string[] }[] };
    expect(fields.fields.find((f) => f.key === 'badge_colour')).toMatchObject({ label: 'Badge colour', type: 'dropdown', options: ['Red', 'Blue'] });
    expect(fields.fields.find((f) => f.key === 'first_name')?.label).toBe('Given name');
  });

  it('a value outside the dropdown is refused by the dry run; with the option added the import takes it; the people show it', async () => {
    const { page, origin } = world();
    const listId = await shapedVisitors();
    await page.goto(`${origin}/lists/${listId}/people/import`);
    await chooseCsv(page, 'badges.csv', BADGE_CSV);
    await page.getByRole('heading', { name: 'What the import would do' }).waitFor();
    const row = page.getByRole('table', { name: /Rows that would be skipped/ }).getByRole('row', { name: /Row 3/ });
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['Badge colour', 'green', '"green" is not one of the options (Red, Blue)']);

    // Green becomes an option in the mapping editor.
    await page.goto(`${origin}/lists/${listId}/mapping`);
    const form = page.getByRole('form', { name: 'Change a field' });
    await form.getByLabel('Field', { exact: true }).selectOption('badge_colour');
    await expect.poll(() => form.getByLabel('Options').inputValue()).toBe('Red\nBlue');
    await form.getByLabel('Options').fill('Red\nBlue\nGreen');
    await form.getByLabel('Required').check();
    await expectAccessible(page, 'the mapping editor changing a dropdown field');
    await form.getByRole('button', { name: 'Save field' }).click();
    await page.getByRole('status').filter({ hasText: 'Field Badge colour saved.' }).waitFor();
    expect(await page.getByRole('row', { name: /Badge colour/ }).innerText()).toContain('dropdown · required');

    await page.goto(`${origin}/lists/${listId}/people/import`);
    await chooseCsv(page, 'badges.csv', BADGE_CSV);
    await page.getByRole('heading', { name: 'What the import would do' }).waitFor();
    expect(await page.getByRole('main').innerText()).toContain('0 people would be created, 2 people updated, 0 people unchanged.');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await page.getByRole('link', { name: 'Show the people' }).click();

    const table = page.getByRole('table', { name: 'People on Visitors' });
    await table.waitFor();
    await expect.poll(() => table.getByRole('columnheader').allInnerTexts()).toContain('Given name');
    await table.getByRole('link', { name: 'grace@northwind.example' }).click();
    await page.getByRole('heading', { name: 'Fields' }).waitFor();
    const fields = page.locator('dl.fields');
    await expect.poll(() => fields.innerText()).toContain('Badge colour');
    const pairs = await fields.locator('div').allInnerTexts();
    expect(pairs.map((p) => p.replace(/\s+/g, ' ').trim())).toEqual(expect.arrayContaining(['Given name Grace', 'Badge colour Green']));
  });

  it('a file that is not UTF-8 is refused in words (the browser sends its bytes, not text read as U+FFFD), and nothing changes', async () => {
    const { page, origin } = world();
    const listId = await visitorsList();
    await imported(listId, PEOPLE_CSV);
    await page.goto(`${origin}/lists/${listId}/people/import`);
    // "José" as a spreadsheet saves it in Windows-1252.
    await page.getByLabel('CSV file').setInputFiles({ name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.concat([Buffer.from('username,last_name\njose@northwind.example,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]) });
    await page.getByText('line 2: the file is not UTF-8 text; save it as "CSV UTF-8"', { exact: false }).waitFor();
    const people = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/people`)).json()) as { total: number };
    expect(people.total).toBe(2);
  });

  it('on a phone (390x844) the import report reads without sideways scrolling', async () => {
    const { page, origin } = world();
    const listId = await shapedVisitors();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}/lists/${listId}/people/import`);
    // "First name" is "Given name" now: the file names its columns by key.
    await chooseCsv(page, 'visitors.csv', PEOPLE_CSV.replace('First name', 'first_name'));
    await page.getByRole('heading', { name: 'What the import would do' }).waitFor();
    await page.getByRole('table', { name: /Rows that would be skipped/ }).waitFor();
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(width, 'the page is no wider than the phone').toBeLessThanOrEqual(390);
    await expectAccessible(page, 'the CSV import report on a phone');
  });

  it('keyboard only: the skip link moves focus past the field rows to the preview heading', async () => {
    const { page, origin } = world();
    const listId = await shapedVisitors();
    await page.goto(`${origin}/lists/${listId}/mapping`);
    await page.getByRole('heading', { name: 'Mapping editor: Visitors' }).waitFor();
    await page.getByRole('row', { name: /Given name/ }).waitFor();
    const skip = page.getByRole('link', { name: 'Skip to preview' });
    await tabTo(page, skip, { max: 10 });
    await expectVisibleFocus(skip);
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { name: 'Preview on a person' });
    await expectVisibleFocus(heading);
    await page.keyboard.press('Tab');
    expect(await isFocused(page.getByRole('complementary', { name: 'Preview' }).getByLabel('Find a person')), 'the next Tab is the preview’s first control').toBe(true);
    await expectAccessible(page, 'the mapping editor after skipping to the preview');
  });
});
