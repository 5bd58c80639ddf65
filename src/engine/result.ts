import type { EvidenceItem } from '../report/types';

/**
 * A rule's answer before it becomes a criterion status. `review` means a person must
 * confirm what the data shows; `unknown` that the data needed is missing or unusable.
 */
export type Truth = 'true' | 'false' | 'unknown' | 'review';

export interface RuleResult {
  truth: Truth;
  explanation: string;
  evidence: EvidenceItem[];
  missing: string[];
  confirm: string[];
  /** A false that clears by waiting: the first clear date, or "after discontinuation". */
  resolvesOn?: string;
  /** Unknown only because no result of this measure exists at all (nothing unread, nothing stale). */
  noData?: true;
}

export function result(truth: Truth, explanation: string, extra: Partial<Omit<RuleResult, 'truth' | 'explanation'>> = NO_EXTRA): RuleResult {
  const out: RuleResult = {
    truth,
    explanation,
    evidence: extra.evidence ?? [],
    missing: extra.missing ?? (truth === 'unknown' ? [explanation] : []),
    confirm: extra.confirm ?? [],
  };
  if (extra.resolvesOn !== undefined) out.resolvesOn = extra.resolvesOn;
  return out;
}

const NO_EXTRA: Partial<Omit<RuleResult, 'truth' | 'explanation'>> = Object.freeze({});

const AFTER_DISCONTINUATION = 'after discontinuation';

/** The later of two resolution dates; "after discontinuation" outranks any date. */
export function laterResolution(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a === AFTER_DISCONTINUATION || b === AFTER_DISCONTINUATION) return AFTER_DISCONTINUATION;
  return a > b ? a : b;
}

export function earlierResolution(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === AFTER_DISCONTINUATION) return b;
  if (b === AFTER_DISCONTINUATION) return a;
  return a < b ? a : b;
}

export { AFTER_DISCONTINUATION };

function merge(parts: RuleResult[]): Pick<RuleResult, 'evidence' | 'missing' | 'confirm'> {
  const evidence: RuleResult['evidence'] = [];
  const missing: string[] = [];
  const confirm: string[] = [];
  for (const p of parts) {
    for (const e of p.evidence) evidence.push(e);
    for (const m of p.missing) missing.push(m);
    for (const c of p.confirm) confirm.push(c);
  }
  return { evidence, missing, confirm };
}

/** The distinct explanations in order, joined. */
function joinExplanations(parts: RuleResult[]): string {
  if (parts.length === 1) return (parts[0] as RuleResult).explanation;
  const distinct: string[] = [];
  for (const p of parts) if (!distinct.includes(p.explanation)) distinct.push(p.explanation);
  return distinct.join('; ');
}

/**
 * All must hold. One false decides (its evidence explains why); otherwise a missing datum
 * makes the whole unknown before a confirmation makes it review: a person cannot confirm
 * what is not there yet.
 */
export function allOf(parts: RuleResult[]): RuleResult {
  const falses = parts.filter((p) => p.truth === 'false');
  if (falses.length > 0) {
    // The conjunction clears by waiting only if every failing part does.
    let resolvesOn: string | undefined = falses[0]?.resolvesOn;
    for (const f of falses) resolvesOn = f.resolvesOn === undefined ? undefined : laterResolution(resolvesOn, f.resolvesOn);
    if (falses.some((f) => f.resolvesOn === undefined)) resolvesOn = undefined;
    return result('false', joinExplanations(falses), { ...merge(falses), missing: [], ...(resolvesOn ? { resolvesOn } : {}) });
  }
  for (const truth of ['unknown', 'review'] as const) {
    const hits = parts.filter((p) => p.truth === truth);
    if (hits.length > 0) return result(truth, joinExplanations(hits), merge(parts));
  }
  return result('true', joinExplanations(parts), merge(parts));
}

/** One suffices. A true decides; then review (data found, to confirm) before unknown. */
export function anyOf(parts: RuleResult[]): RuleResult {
  const trues = parts.filter((p) => p.truth === 'true');
  if (trues.length > 0) return result('true', joinExplanations(trues), { ...merge(trues), missing: [] });
  for (const truth of ['review', 'unknown'] as const) {
    const hits = parts.filter((p) => p.truth === truth);
    if (hits.length > 0) return result(truth, joinExplanations(hits), merge(parts));
  }
  let resolvesOn: string | undefined = parts[0]?.resolvesOn;
  for (const p of parts) resolvesOn = earlierResolution(resolvesOn, p.resolvesOn);
  return result('false', joinExplanations(parts), { ...merge(parts), missing: [], ...(resolvesOn ? { resolvesOn } : {}) });
}

/** At least n of the parts hold. */
export function atLeast(n: number, parts: RuleResult[]): RuleResult {
  const trues = parts.filter((p) => p.truth === 'true');
  const open = parts.filter((p) => p.truth === 'unknown' || p.truth === 'review');
  if (trues.length >= n) return result('true', `${trues.length} of ${parts.length} hold (at least ${n} needed): ${joinExplanations(trues)}`, { ...merge(trues), missing: [] });
  if (trues.length + open.length < n) {
    return result('false', `only ${trues.length} of ${parts.length} hold, at least ${n} needed: ${joinExplanations(parts)}`, { ...merge(parts), missing: [] });
  }
  const truth = open.some((p) => p.truth === 'unknown') ? 'unknown' : 'review';
  return result(truth, `${trues.length} of ${parts.length} hold, at least ${n} needed; undecided: ${joinExplanations(open)}`, merge(parts));
}

export function negate(part: RuleResult): RuleResult {
  switch (part.truth) {
    case 'true':
      return flipped(part, 'false');
    case 'false':
      return flipped(part, 'true');
    case 'unknown':
    case 'review':
      return part;
  }
}

/** The part with its truth turned over: nothing is missing and no wait clears it any more. */
function flipped(part: RuleResult, truth: 'true' | 'false'): RuleResult {
  const out: RuleResult = { truth, explanation: part.explanation, evidence: part.evidence, missing: [], confirm: part.confirm };
  if (part.noData !== undefined) out.noData = part.noData;
  return out;
}

/** Data that shows the criterion holds still needs a person: true becomes review. */
export function needsConfirmation(part: RuleResult, reason: string): RuleResult {
  // Already a person's (a confirm inside this one, a conflict): they confirm this reason too.
  if (part.truth === 'review') return { ...part, confirm: [...part.confirm, reason], explanation: `${part.explanation} (to confirm: ${reason})` };
  if (part.truth !== 'true') return part;
  return { ...part, truth: 'review', confirm: [...part.confirm, reason], explanation: `${part.explanation} (to confirm: ${reason})` };
}
