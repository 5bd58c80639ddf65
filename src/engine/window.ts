import type { AnchorName, WindowDirection } from '../mapping/schema';
import type { EvalContext } from './context';
import { addDuration, formatDuration, isoOfDay, subtractDuration, type Duration } from './dates';

/** A `within` window: the days from `from` to `to`, both counted, on one side of its anchor. */
export interface Window {
  from: number;
  to: number;
  /** Absent for "any time after the anchor" (`direction: after` with no `within`). */
  within?: Duration;
  direction: WindowDirection;
  /** "within 6 months before screening", "within 30 days after the infarction (2026-01-04)". */
  text: string;
}

/**
 * The window a rule's `within` names (or, `direction: after` with no `within`, from the anchor to
 * the as-of date). Before the anchor (the default) it ends on the anchor's day;
 * after it, it starts there ("within 6 months after the last dose"). Data after the as-of date is
 * never read, so a window after the anchor that runs past screening is read up to screening, and
 * says so.
 */
export function windowOf(ctx: EvalContext, rule: { within?: string; anchor: AnchorName; direction?: WindowDirection }): Window | undefined {
  const direction = rule.direction ?? 'before';
  if (rule.within === undefined) {
    if (direction === 'before') return undefined;
    // Any time after the anchor: nothing after the as-of date is read, so the window ends there.
    const anchor = ctx.anchorDay(rule.anchor);
    const name = ctx.anchorName(rule.anchor);
    const from = name.endsWith(`(${isoOfDay(anchor)})`) ? '' : `${isoOfDay(anchor)} `;
    return { from: anchor, to: ctx.asOfDay, direction, text: `any time after ${name} (${from}to the as-of date ${isoOfDay(ctx.asOfDay)})` };
  }
  const within = ctx.duration(rule.within);
  const anchor = ctx.anchorDay(rule.anchor);
  const name = ctx.anchorName(rule.anchor);
  if (direction === 'before') return { from: subtractDuration(anchor, within), to: anchor, within, direction, text: `within ${formatDuration(within)} before ${name}` };
  const to = addDuration(anchor, within);
  const open = to > ctx.asOfDay ? `; it runs past the as-of date, so only up to ${isoOfDay(ctx.asOfDay)} is read` : '';
  // A record anchor's name carries its date already.
  const span = name.endsWith(`(${isoOfDay(anchor)})`) ? `to ${isoOfDay(to)}` : `${isoOfDay(anchor)} to ${isoOfDay(to)}`;
  return { from: anchor, to, within, direction, text: `within ${formatDuration(within)} after ${name} (${span}${open})` };
}
