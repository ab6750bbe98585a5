/**
 * Every screen's document title is its heading: "Staff: people · Muster", "Ada Lovelace · Muster".
 * One observer for the whole app, so a browser tab, the history menu and a screen reader's window
 * list name the screen, and no screen can forget to (WCAG 2.4.2, Page Titled).
 */
const SUFFIX = 'Muster';

export function titleFor(heading: string | null | undefined): string {
  const h = (heading ?? '').replace(/\s+/g, ' ').trim();
  if (!h) return SUFFIX;
  return h.includes(SUFFIX) ? h : `${h} · ${SUFFIX}`;
}

export function followHeadings(root: HTMLElement): () => void {
  let queued = false;
  const update = () => {
    queued = false;
    const next = titleFor(root.querySelector('h1')?.textContent);
    if (document.title !== next) document.title = next;
  };
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(update);
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  update();
  return () => observer.disconnect();
}
