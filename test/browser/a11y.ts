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
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** The WCAG 2.0 / 2.1, A and AA rule sets: what the "usable, labelled, readable" means in axe. */
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
}
