/**
 * The Sync tab's Entra ID pull sync, end to end: the admin connects a list to the Graph emulator
 * (test/fakes/graph) through the form, tests the connection, picks groups by name, runs "Sync now"
 * and watches the run finish; the people of the scoped groups arrive on the roster. The test starts
 * from its own fresh Muster and its own Graph emulator.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from '../fakes/graph/index.js';
import { expectAccessible } from './a11y.js';
import { screenshot, worldPerTest } from './browser.js';

// Custom endpoints let the connection point at the emulator instead of Microsoft.
const world = worldPerTest({ env: { MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true' } });

/** The Graph emulator records what it is asked and holds a seeded directory: one per test. */
let graph: GraphEmulator;

describe('Entra ID pull sync in the web app', () => {
  beforeEach(async () => {
    graph = await startGraphEmulator({ pageSize: 10 });
  });

  afterEach(async () => {
    await graph?.close();
  });

  it('connects, tests, scopes by group name, syncs now and shows the run and the people', async () => {
    const { groups } = graph.seed({ users: 80, groups: [{ name: 'Engineering', members: 25 }, { name: 'Sales', members: 15 }, { name: 'Not synced', members: 10 }], seed: 3 });
    const [engineering, sales] = [groups[0]!, groups[1]!];
    const enabled = (ids: readonly string[]) => ids.filter((id) => graph.getUser(id)?.accountEnabled);
    const expected = new Set([...enabled(engineering.members), ...enabled(sales.members)]).size;
    const { page, origin } = world();

    await page.goto(origin + '/');
    await page.getByLabel('Organisation name').fill('Contoso');
    await page.getByLabel('Your name').fill('Olivia Owner');
    await page.getByLabel('Email').fill('owner@contoso.example');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create owner account' }).click();
    await page.getByLabel('List name').fill('Employees');
    await page.getByLabel('None — import a CSV, or connect Entra ID pull sync later').check();
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Employees: people' }).waitFor();
    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Sync' }).click();
    await page.getByRole('heading', { name: 'Employees: sync' }).waitFor();
    expect(await page.getByRole('main').innerText()).toContain('never both');

    // Connect with the first group by id (searching by name needs a saved connection).
    await page.getByRole('button', { name: 'Connect Entra ID pull sync' }).click();
    const form = page.getByRole('form', { name: 'Entra ID connection' });
    await form.getByLabel('Tenant id').fill(graph.tenantId);
    await form.getByLabel('Client (application) id').fill(graph.clientId);
    await form.getByLabel('Client secret').fill(graph.clientSecret);
    await form.getByLabel('Add a group by its object id').fill(engineering.id);
    await form.getByRole('button', { name: 'Add group id' }).click();
    await form.getByLabel('Schedule').selectOption('manual');
    await form.getByText('National clouds').click();
    await form.getByLabel('Sign-in authority URL').fill(graph.url);
    await form.getByLabel('Microsoft Graph URL').fill(graph.url);
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connection saved' }).count()).toBe(1);
    // The secret is never displayed back.
    expect(await page.content()).not.toContain(graph.clientSecret);
    expect(await page.getByRole('main').innerText()).toContain('In use: Microsoft Entra ID pull sync');
    expect(await page.getByRole('button', { name: /Turn on automated provisioning/ }).count()).toBe(0);

    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connection works' }).innerText()).toBe('Connection works: the app can read 80 users and 3 groups.');
    await expectAccessible(page, 'the Sync tab, Entra ID connection');

    // Add Sales through the group search, then save (the secret must be entered again).
    await form.getByLabel('Search groups by name').fill('Sal');
    await form.getByRole('button', { name: 'Search', exact: true }).click();
    await form.getByRole('list', { name: 'Groups found' }).getByRole('button', { name: 'Add Sales' }).click();
    expect((await form.getByRole('list', { name: 'Chosen groups' }).getByRole('listitem').count())).toBe(2);
    await form.getByLabel('Client secret').fill(graph.clientSecret);
    await form.getByRole('button', { name: 'Save connection' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connection saved' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Sync now' }).click();
    const runs = page.getByRole('table', { name: 'Sync runs, newest first' });
    await expect.poll(() => runs.getByRole('row').nth(1).getByRole('cell').nth(1).innerText(), { timeout: 30_000 }).toBe('Finished');
    const cells = await runs.getByRole('row').nth(1).getByRole('cell').allInnerTexts();
    // Started, status, pages, created, updated, deactivated, notes.
    expect(Number(cells[2])).toBeGreaterThan(1);
    expect(Number(cells[3])).toBeGreaterThanOrEqual(expected);
    await expectAccessible(page, 'the Sync tab, Entra ID runs');
    await screenshot(page, 'entra-sync', runs);

    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'People' }).click();
    await expect.poll(() => page.locator('.counts').innerText()).toMatch(new RegExp(`Active\\s*${expected}\\b`));
    // Entra's people are attributed to it in the audit trail.
    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('IdP').fill('Microsoft Entra ID');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Audit events' }).innerText()).toContain('Person created');
  });
});
