import type { CohortSummary } from '../summary/types';
import { escapeXml as x } from './escape';

const ROW = 24;
const LABEL_W = 190;
const BAR_W = 380;
const NOTE_X = LABEL_W + BAR_W + 12;
const WIDTH = NOTE_X + 250;

/**
 * The funnel as an inline SVG: one row per criterion in catalog order, the dark bar the
 * patients still in after it, the hatched bar those it rules out first, and the unknown count
 * beside it. Grey and hatching only, so it prints in black and white.
 */
export function renderFunnelSvg(summary: CohortSummary): string {
  const screened = summary.counts.screened;
  const scale = (n: number): number => (screened > 0 ? Math.round((n / screened) * BAR_W * 10) / 10 : 0);
  const rows: string[] = [];
  const top = 28;
  rows.push(row(0, 'Screened', `${screened} screened`, scale(screened), 0, `${screened} patients screened`));
  summary.criteria.forEach((c, i) => {
    const note = `${c.remainingAfter} left${c.excludedHere > 0 ? ` · ${c.excludedHere} ruled out here` : ''}${c.unknown > 0 ? ` · ${c.unknown} unknown` : ''}`;
    const title = `${c.id}: ${c.text} — ${c.excludedHere} ruled out first here, ${c.notMet} not met in all, ${c.unknown} unknown, ${c.remainingAfter} remaining`;
    rows.push(row(i + 1, c.id, note, scale(c.remainingAfter), scale(c.excludedHere), title));
  });
  const height = top + (summary.criteria.length + 1) * ROW + 8;
  const label = `Screening funnel for ${summary.trial.id}: ${screened} screened, ${summary.criteria.at(-1)?.remainingAfter ?? screened} not ruled out by any criterion`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${x(label)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" style="max-width:${WIDTH}px">`,
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">',
    '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="2"/></pattern></defs>',
    `<text x="0" y="16" font-size="12" font-weight="bold">Criterion (catalog order)</text>`,
    `<text x="${LABEL_W}" y="16" font-size="12" font-weight="bold">Patients still in (dark) · ruled out here (hatched)</text>`,
    `<g transform="translate(0 ${top})">`,
    ...rows,
    '</g>',
    '</svg>',
  ].join('\n');
}

function row(i: number, label: string, note: string, remaining: number, excluded: number, title: string): string {
  const y = i * ROW;
  return [
    `<g transform="translate(0 ${y})"><title>${x(title)}</title>`,
    `<text x="0" y="15" font-size="11" font-family="monospace">${x(truncate(label, 27))}</text>`,
    `<rect x="${LABEL_W}" y="3" width="${remaining}" height="16" fill="#333"/>`,
    excluded > 0 ? `<rect x="${LABEL_W + remaining}" y="3" width="${excluded}" height="16" fill="url(#hatch)" stroke="#555" stroke-width="0.5"/>` : '',
    `<text x="${NOTE_X}" y="15" font-size="11">${x(note)}</text>`,
    '</g>',
  ].join('');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
