/**
 * The Webhooks page, end to end (issue 15 item 3): an owner adds a receiving system, copies its
 * secret, sends a test, sees a change that the system refused, and sends it again once mended.
 * A real Muster serving the built app, a real receiver on loopback (allowed explicitly), Chromium;
 * the test has its own fresh Muster and its own receiver (which records what it got).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { expectAccessible } from './a11y.js';
import { OWNER, signUpOwner, worldPerTest } from './browser.js';

const world = worldPerTest({ env: { MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true' } });

let receiver: Receiver | undefined;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Clicks Refresh until the deliveries table shows `text`. */
async function refreshUntil(page: Page, text: RegExp): Promise<void> {
  const panel = page.getByRole('region', { name: /Messages sent to/ }).or(page.locator('section[aria-labelledby="deliveries-h"]'));
  await expect.poll(async () => {
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(200);
    return panel.innerText();
  }).toMatch(text);
}

it('adds a receiving system, shows its secret once, sends a test, shows a refused change and sends it again', async () => {
  const { page, origin, server } = world();
  const rec = receiver!;
  await signUpOwner(page, origin);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByLabel('Address (URL)').fill(rec.url);
  await page.getByLabel('Name').fill('Door access');
  await page.getByRole('radio', { name: /Only these changes/ }).check();
  await page.getByRole('checkbox', { name: /became inactive/ }).check();
  await page.getByRole('checkbox', { name: /Roster fields of a person changed/ }).check();
  await page.getByRole('button', { name: 'Add system' }).click();
  const secret = page.getByRole('region', { name: 'New signing secret' });
  await expect.poll(() => secret.innerText()).toMatch(/whsec_[A-Za-z0-9_-]{43}/);
  await expectAccessible(page, 'webhooks with a new secret');
  await secret.getByRole('button', { name: 'I have copied it' }).click();
  await expect.poll(() => secret.count()).toBe(0);
  // The new system's row, reloaded after the secret was shown, is the other place it could appear.
  await page.getByRole('button', { name: 'Send a test to Door access' }).waitFor();
  expect(await page.locator('main').innerText()).not.toMatch(/whsec_/);

  // A test message.
  await page.getByRole('button', { name: 'Send a test to Door access' }).click();
  await refreshUntil(page, /Test message[\s\S]*Received/);
  expect(rec.received.map((r) => r.json.type)).toEqual(['webhook.test']);

  // A change the system refuses (404: not retried), seen with its answer, then sent again.
  rec.answer = () => ({ status: 404, body: 'no such door' });
  const org = await server.muster.lists.resolveOrganisation(OWNER.organisation);
  await server.muster.store.events.append([{ type: 'person.deactivated', orgId: org.id, listId: null, subject: 'person-1', payload: { userName: 'ada@northwind.example', source: 'scim' } }]);
  await refreshUntil(page, /person\.deactivated[\s\S]*Failed/);
  const row = page.getByRole('row', { name: /person\.deactivated/ });
  await row.getByText('1 attempt', { exact: true }).click();
  await expect.poll(() => page.locator('section[aria-labelledby="deliveries-h"]').innerText()).toMatch(/answered 404[\s\S]*no such door/);
  await expectAccessible(page, 'webhook deliveries');
  rec.answer = () => ({ status: 200, body: 'ok' });
  await row.getByRole('button', { name: 'Send again' }).click();
  await refreshUntil(page, /person\.deactivated[\s\S]*Received/);
  const sent = rec.received.filter((r) => r.json.type === 'person.deactivated');
  expect(sent).toHaveLength(2);
  expect(sent[1]!.deliveryId).toBe(sent[0]!.deliveryId);
});
