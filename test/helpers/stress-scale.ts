/**
 * The reliability suite's counts: `small` in the default `npm test` run (bounded so the whole
 * suite stays quick on a 2-core machine), `full` under `npm run test:stress`
 * (`VIGIL_STRESS=full`).
 *
 * @example
 * const kills = scaled(40, 2_000);
 */
export function scaled(small: number, full: number): number {
  return process.env.VIGIL_STRESS === "full" ? full : small;
}

/** True under `npm run test:stress`. */
export const FULL_STRESS: boolean = process.env.VIGIL_STRESS === "full";
