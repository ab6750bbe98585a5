/**
 * Automated accessibility checks for the browser journeys: axe-core (a devDependency, MPL-2.0,
 * used only here) is injected into the page under test and run against the WCAG 2.0 and 2.1
 * level A and AA rules. Violations of impact "serious" or "critical" fail the test, listed in words:
 * the rule, its impact, where (the first few CSS selectors) and what it asks for.
 *
 * No rule is switched off: a screen that needs an exception should say why at the call site.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** The WCAG 2.0 / 2.1, A and AA rule sets: what the issue's "usable, labelled, readable" means in axe. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** One axe violation, reduced in the page to what a failing test needs to print. */
export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  targets: string[];
  count: number;
  summary: string;
}

const FAILING = new Set(['serious', 'critical']);
const SHOWN_TARGETS = 4;

/** Runs axe on the whole document as it is now; returns every violation, whatever its impact. */
export async function axeViolations(page: Page): Promise<A11yViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) {
    axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    // Evaluated through the DevTools protocol rather than page.addScriptTag({ content }): Muster's
    // Content-Security-Policy (script-src 'self') rightly refuses an inline <script>, and the
    // journeys must not switch the policy off (bypassCSP) to be checked.
    await page.evaluate(`${axeSource}\n;undefined`);
  }
  return page.evaluate(async (tags) => {
    // The page's axe, typed by hand: the test code has no DOM types, and only these fields cross back.
    type Node = { target: unknown[]; failureSummary?: string };
    type Violation = { id: string; impact?: string | null; help: string; helpUrl: string; nodes: Node[] };
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Violation[] }> } }).axe;
    const results = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id, impact: v.impact ?? null, help: v.help, helpUrl: v.helpUrl, count: v.nodes.length,
      targets: v.nodes.map((n) => n.target.map((t) => (typeof t === 'string' ? t : JSON.stringify(t))).join(' >>> ')),
      summary: v.nodes[0]?.failureSummary ?? '',
    }));
  }, [...WCAG_TAGS]);
}

/** A violation list in words, one rule a paragraph. */
export function describeViolations(violations: readonly A11yViolation[]): string {
  return violations.map((v) => {
    const shown = v.targets.slice(0, SHOWN_TARGETS).map((t) => `    at ${t}`).join('\n');
    const more = v.count > SHOWN_TARGETS ? `\n    … and ${v.count - SHOWN_TARGETS} more` : '';
    const why = v.summary ? `\n    ${v.summary.replace(/\n\s*/g, '\n    ')}` : '';
    return `- ${v.id} (${v.impact ?? 'no impact'}): ${v.help} [${v.helpUrl}]\n${shown}${more}${why}`;
  }).join('\n');
}

/**
 * Fails the test with a readable list when the page has serious or critical WCAG A/AA violations.
 * The failure is soft (expect.soft): the journey goes on, so one run reports every screen, and the
 * test still fails at its end. `screen` names the screen in the message. Lesser violations
 * (moderate, minor) are printed with MUSTER_A11Y_VERBOSE=1 but do not fail the test.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  const failing = violations.filter((v) => v.impact !== null && FAILING.has(v.impact));
  const lesser = violations.filter((v) => !failing.includes(v));
  if (process.env.MUSTER_A11Y_VERBOSE === '1' && lesser.length > 0) {
    console.log(`axe, ${screen} (${page.url()}): not failing\n${describeViolations(lesser)}`);
  }
  const message = `Accessibility: ${failing.length} serious or critical WCAG 2.1 A/AA violation(s) on ${screen} (${page.url()}):\n${describeViolations(failing)}\n`;
  expect.soft(failing.length === 0, message).toBe(true);
  const unreachable = await unreachableScrollers(page);
  expect.soft(unreachable, `Keyboard: on ${screen} (${page.url()}), a table's sideways-scrolling box is not a named region in the tab order`).toEqual([]);
}

/**
 * Every box that scrolls a table sideways (overflow-x auto or scroll), whether or not it overflows
 * now, that a keyboard cannot reach (no tabindex 0) or a screen reader cannot name (no role and
 * aria-label). axe flags such a box only while its content overflows, which depends on the data
 * (a long name, a webhook's URL) and on the screen; this checks what the data of a test may not
 * provoke. Each is described by its table's caption.
 */
export async function unreachableScrollers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type El = { tagName: string; parentElement: El | null; getAttribute(n: string): string | null; querySelector(q: string): El | null; textContent: string | null };
    const doc = globalThis as unknown as { document: { querySelectorAll(q: string): ArrayLike<El> }; getComputedStyle(e: El): { overflowX: string } };
    const found: string[] = [];
    for (const table of Array.from(doc.document.querySelectorAll('table'))) {
      for (let box = table.parentElement; box; box = box.parentElement) {
        const overflow = doc.getComputedStyle(box).overflowX;
        if (overflow !== 'auto' && overflow !== 'scroll') continue;
        if (box.getAttribute('tabindex') !== '0' || box.getAttribute('role') !== 'region' || !box.getAttribute('aria-label')) {
          found.push(`<${box.tagName.toLowerCase()}> around the table “${(table.querySelector('caption')?.textContent ?? '').trim() || 'without a caption'}”`);
        }
        break;
      }
    }
    return found;
  });
}

/** Whether the element is the document's focused element. */
export async function isFocused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement);
}

/** What has focus, in words, for a failure message: tag, role, and name or text. */
async function focusedDescription(page: Page): Promise<string> {
  return page.evaluate(() => {
    type El = { tagName: string; getAttribute(n: string): string | null; textContent: string | null };
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    if (!el) return 'nothing';
    const name = el.getAttribute('aria-label') ?? (el.textContent ?? '').trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${el.getAttribute('role') ? ` role=${el.getAttribute('role')}` : ''}> “${name}”`;
  });
}

/**
 * Presses Tab (or Shift+Tab with `back`) until `target` has focus, as a keyboard user would; fails
 * with the path focus took when it does not get there within `max` presses.
 */
export async function tabTo(page: Page, target: Locator, { back = false, max = 60 }: { back?: boolean; max?: number } = {}): Promise<void> {
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await isFocused(target)) return;
    path.push(await focusedDescription(page));
  }
  throw new Error(`Keyboard: ${back ? 'Shift+Tab' : 'Tab'} never reached ${target} in ${max} presses; focus went to:\n  ${path.join('\n  ')}`);
}

/**
 * The focused element shows where it is (WCAG 2.4.7): it matches :focus-visible, draws an outline
 * or a ring at least 2 px wide, and is on the screen.
 */
export async function expectVisibleFocus(target: Locator): Promise<void> {
  expect(await isFocused(target), `${target} has focus`).toBe(true);
  const style = await target.evaluate((el) => {
    type Style = { outlineStyle: string; outlineWidth: string; boxShadow: string };
    const s = (globalThis as unknown as { getComputedStyle(e: unknown): Style }).getComputedStyle(el);
    return {
      visible: (el as unknown as { matches(q: string): boolean }).matches(':focus-visible'),
      outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0,
      ring: s.boxShadow !== 'none',
    };
  });
  expect(style.visible, `${target} matches :focus-visible`).toBe(true);
  expect(style.outline >= 2 || style.ring, `${target} draws a focus indicator (outline ${style.outline}px, ring ${style.ring})`).toBe(true);
  const box = await target.boundingBox();
  const viewport = target.page().viewportSize();
  expect(box && viewport && box.width > 0 && box.height > 0 && box.x + box.width > 0 && box.y + box.height > 0
    && box.x < viewport.width && box.y < viewport.height, `${target} is on the screen when focused`).toBe(true);
}
