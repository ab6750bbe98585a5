/**
 * Runs `tick` every `ms` while the page is visible (a hidden tab stops polling, and polls at
 * once when it becomes visible again). The next tick waits for the previous one to finish.
 */
import { useEffect, useRef } from 'react';

export function usePoll(tick: () => Promise<unknown> | void, ms: number, enabled = true): void {
  const ref = useRef(tick);
  ref.current = tick;
  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    let stopped = false;
    const schedule = () => {
      if (stopped) return;
      timer = window.setTimeout(run, ms);
    };
    const run = async () => {
      if (stopped) return;
      if (document.visibilityState === 'visible') {
        try {
          await ref.current();
        } catch {
          // A failed poll shows through the screen's own error state; polling carries on.
        }
      }
      schedule();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') {
        window.clearTimeout(timer);
        void run();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    schedule();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms, enabled]);
}
