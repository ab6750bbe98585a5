/**
 * The People page's searches, in Chromium against a real Muster: a search typed over is cancelled
 * by the web app (so the server drops it if it still waits for the lane of whole-list reads: that
 * half is test/scan-lane.test.ts), and the page shows the answer to what is in the box now, never a
 * late answer to what was typed before. Each test starts from its own fresh Muster.
 */
import { expect, it } from 'vitest';
import type { Request, Route } from 'playwright-core';
import { createScimList, ownerSignedIn, worldPerTest } from './browser.js';
import { USER_SCHEMA } from '../helpers/server.js';

const world = worldPerTest();

async function provision(scimBase: string, token: string, userName: string, given: string, family: string): Promise<void> {
  const r = await fetch(`${scimBase}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER_SCHEMA], userName, name: { givenName: given, familyName: family }, active: true }),
  });
  expect(r.status).toBe(201);
}

it('a search typed over is cancelled, and the page shows the answer to the search in the box', async () => {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const { listId, scimBase, token } = await createScimList(page, origin);
  await provision(scimBase, token, 'ada@northwind.example', 'Ada', 'Lovelace');
  await provision(scimBase, token, 'grace@northwind.example', 'Grace', 'Hopper');

  // The first search ("lovelace") is held on its way to the server, as a search waiting for the
  // lane would be; every later request goes through.
  const held: Route[] = [];
  await page.route((url) => url.pathname === `/api/v1/lists/${listId}/people` && url.searchParams.get('search') === 'lovelace', (route) => {
    held.push(route);
  });
  const failed: Request[] = [];
  page.on('requestfailed', (r) => failed.push(r));

  await page.goto(`${origin}/lists/${listId}/people`);
  const table = page.getByRole('table', { name: 'People on Staff' });
  await expect.poll(() => table.innerText()).toMatch(/Hopper/);
  const box = page.getByLabel('Search people');
  await box.fill('lovelace');
  await expect.poll(() => held.length).toBe(1);
  await box.fill('hopper');
  // The held search is cancelled by the page (not answered, not waited for)...
  await expect.poll(() => failed.map((r) => new URL(r.url()).searchParams.get('search'))).toContain('lovelace');
  expect(failed.find((r) => new URL(r.url()).searchParams.get('search') === 'lovelace')!.failure()?.errorText).toMatch(/ERR_ABORTED/);
  // ...and the page shows Grace, the answer to what is in the box.
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Showing' }).innerText()).toBe('Showing 1–1 of 1 person');
  expect(await table.innerText()).toContain('Hopper');
  expect(await table.innerText()).not.toContain('Lovelace');
});
