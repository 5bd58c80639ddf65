/**
 * How much of a list of problems anyone is shown, in one place for the HTTP API and the CLI.
 * Input that is wrong everywhere (a Bundle of a million junk entries, a body with a million
 * unknown keys) would otherwise be answered with an error as large as itself: the first few
 * problems say what is wrong, and the count says how much.
 */
export const MAX_LISTED_PROBLEMS = 20;

/** Longest single problem shown: its text may quote input (a reference, a key, an id) of any length. */
export const MAX_PROBLEM_CHARS = 500;

/**
 * Longest text of any one error (an OperationOutcome's diagnostics, a CLI error line): room for
 * a full list of MAX_LISTED_PROBLEMS problems and its lead-in, so the cap above is what bites.
 */
export const MAX_ERROR_TEXT_CHARS = MAX_LISTED_PROBLEMS * (MAX_PROBLEM_CHARS + 2) + 1000;

/**
 * `text` cut to at most about `max` characters, saying how much was cut. A cut never splits a
 * surrogate pair, so the result stays well-formed UTF-16 (and valid UTF-8 once encoded).
 */
export function clip(text: string, max: number = MAX_PROBLEM_CHARS): string {
  if (text.length <= max) return text;
  let end = Math.max(max, 0);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/** The line that stands for the problems not listed. */
export function moreLine(count: number): string {
  return `… and ${count} more`;
}

/** The first `max` items and how many more there are. */
export function capped<T>(items: readonly T[], max: number = MAX_LISTED_PROBLEMS): { shown: T[]; more: number } {
  const shown = items.slice(0, Math.max(0, max));
  return { shown, more: items.length - shown.length };
}

/**
 * The first `max` items as text, each clipped, then one "… and K more" line for the rest.
 * Only the listed items are formatted, so a huge list costs no more than a short one.
 */
export function listCapped<T>(items: readonly T[], format: (item: T) => string, max: number = MAX_LISTED_PROBLEMS): string[] {
  const { shown, more } = capped(items, max);
  const lines = shown.map((item) => clip(format(item)));
  if (more > 0) lines.push(moreLine(more));
  return lines;
}
