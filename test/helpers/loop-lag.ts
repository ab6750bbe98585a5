/**
 * How long the event loop of this process was held, for tests that put a budget on it (issue 12:
 * "no single request may hold the loop for more than 100 ms"). Test servers run in the test's own
 * process (test/helpers/server.ts), so their loop is this one.
 *
 * A busy machine makes the loop late without Muster doing anything: the process is simply not
 * scheduled. So two measures are taken side by side:
 * - `maxDelayMs`: perf_hooks.monitorEventLoopDelay's largest delay (wall clock; for reports);
 * - `maxHeldMs`: the largest stall of a timer-drift probe during which the main thread itself was
 *   on the CPU, min(wall-clock gap, main-thread CPU time in that gap). Descheduling costs no CPU,
 *   so it is not counted; a synchronous computation (a quadratic PATCH, a decompression) is.
 * On Linux the main thread's own CPU time is read from /proc/self/task/<pid>/stat (threads of the
 * libuv pool, which do not hold the loop, are not counted); elsewhere process.cpuUsage() is used,
 * which counts every thread and so can only over-report.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

const STAT = `/proc/self/task/${process.pid}/stat`;
let procStat: boolean | undefined;

/** CPU time of the main thread (user + system) in ms. */
function mainThreadCpuMs(): number {
  if (procStat !== false) {
    try {
      const text = readFileSync(STAT, 'latin1');
      // Fields after the command name (which may hold spaces) start at state: utime is the 12th, stime the 13th (proc(5)).
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      procStat = true;
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
    } catch {
      procStat = false;
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface LoopLagReport {
  /** The longest stall during which the main thread was busy, in ms (what a budget is checked against). */
  readonly maxHeldMs: number;
  /** monitorEventLoopDelay's largest delay in ms, wall clock (includes time the process was not scheduled). */
  readonly maxDelayMs: number;
}

export class LoopLagProbe {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;
  private lastWall = 0;
  private lastCpu = 0;
  private maxHeld = 0;

  constructor(private readonly intervalMs = 10) {}

  start(): this {
    this.histogram.enable();
    this.reset();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Starts a new measuring window (e.g. just before a request is sent). */
  reset(): void {
    this.histogram.reset();
    this.maxHeld = 0;
    this.lastWall = performance.now();
    this.lastCpu = mainThreadCpuMs();
  }

  /** The window so far; the current stall (if the caller runs right after one) is included. */
  read(): LoopLagReport {
    this.tick();
    return { maxHeldMs: this.maxHeld, maxDelayMs: this.histogram.max / 1e6 };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }

  private tick(): void {
    const wall = performance.now();
    const cpu = mainThreadCpuMs();
    const gap = wall - this.lastWall - this.intervalMs;
    if (gap > 0) this.maxHeld = Math.max(this.maxHeld, Math.min(gap, cpu - this.lastCpu));
    this.lastWall = wall;
    this.lastCpu = cpu;
  }
}
