/** The busiest window found by {@link busiestWindow}. */
export interface WindowPeak {
  /** Events in the window. */
  readonly count: number;
  /** The first and last event in it (ms). */
  readonly firstAt: number;
  readonly lastAt: number;
}

/**
 * The largest number of events in any window `(t - windowMs, t]` that ends on an event at
 * `t > endsAfter`. `times` must be ascending and should start `windowMs` before `endsAfter`.
 *
 * Windows end on events because the count only rises when an event enters; the half-open
 * window means events exactly `windowMs` apart never share one (10:00 and 11:00 are two hours'
 * worth, not one).
 *
 * @example
 * busiestWindow([0, 10, 20, 70], 60, -1); // { count: 3, firstAt: 0, lastAt: 20 }
 */
export function busiestWindow(
  times: readonly number[],
  windowMs: number,
  endsAfter: number,
): WindowPeak | undefined {
  let best: WindowPeak | undefined;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    const endAt = times[end] as number;
    while ((times[start] as number) <= endAt - windowMs) start++;
    if (endAt <= endsAfter) continue;
    const count = end - start + 1;
    if (best === undefined || count > best.count) {
      best = { count, firstAt: times[start] as number, lastAt: endAt };
    }
  }
  return best;
}
