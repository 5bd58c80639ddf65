import { displayUnit } from '../engine/lab-reading';
import { html, type SafeHtml } from './html';
import type { TrendSeries } from './trends';

const WIDTH = 340;
const HEIGHT = 150;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

const TIME_UNITS: Record<string, string> = { a: 'years', mo: 'months', wk: 'weeks', d: 'days' };

export function unitLabel(unit: string): string {
  return unit === '%' ? '%' : (TIME_UNITS[unit] ?? displayUnit(unit));
}

/**
 * One analyte over time as inline SVG, drawn on the server: time on x (by date, not by index),
 * value on y. Results the decision cited are filled dots; the others are hollow. Every dot has
 * a tooltip with the value, unit, date and FHIR reference.
 */
export function trendChart(series: TrendSeries): SafeHtml {
  const times = series.points.map((p) => Date.parse(`${p.date}T00:00:00Z`));
  const values = series.points.map((p) => p.value);
  const tMin = Math.min(...times);
  const tMax = Math.max(...times);
  let vMin = Math.min(...values);
  let vMax = Math.max(...values);
  if (vMin === vMax) {
    vMin -= Math.abs(vMin) * 0.1 || 1;
    vMax += Math.abs(vMax) * 0.1 || 1;
  }
  const margin = (vMax - vMin) * 0.12;
  vMin -= margin;
  vMax += margin;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + (tMax === tMin ? plotW / 2 : ((t - tMin) / (tMax - tMin)) * plotW);
  const y = (v: number): number => PAD.top + (1 - (v - vMin) / (vMax - vMin)) * plotH;
  const unit = unitLabel(series.unit);
  const coords = series.points.map((p, i) => ({ p, cx: x(times[i] as number), cy: y(p.value) }));
  const line = coords.map((c) => `${c.cx.toFixed(1)},${c.cy.toFixed(1)}`).join(' ');
  const first = series.points[0];
  const last = series.points[series.points.length - 1];
  const label = `${series.label}: ${series.points.length} results from ${first?.date ?? ''} to ${last?.date ?? ''}, ${formatValue(first?.value ?? 0)} to ${formatValue(last?.value ?? 0)} ${unit}`;
  const yTop = vMax - margin;
  const yBottom = vMin + margin;

  return html`<figure class="chart">
<figcaption><strong>${series.label}</strong> <span class="muted">(${unit})</span>${series.matchedByText ? html` <span class="note">matched by name</span>` : ''}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}"/>
<line class="axis" x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}"/>
<text class="tick" x="${PAD.left - 4}" y="${y(yTop).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${formatValue(yTop)}</text>
<text class="tick" x="${PAD.left - 4}" y="${y(yBottom).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${formatValue(yBottom)}</text>
<text class="tick" x="${PAD.left}" y="${HEIGHT - 8}" text-anchor="start">${first?.date ?? ''}</text>
<text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${last?.date ?? ''}</text>
<polyline class="trend" points="${line}"/>
${coords.map(
  (c) =>
    html`<circle class="${c.p.used ? 'dot used' : 'dot'}" cx="${c.cx.toFixed(1)}" cy="${c.cy.toFixed(1)}" r="${c.p.used ? 4 : 3}"><title>${c.p.comparator ?? ''}${formatValue(c.p.value)} ${unit} on ${c.p.date} (${c.p.reference})${c.p.used ? ', used by the decision' : ''}</title></circle>`,
)}
</svg>
${series.leftOut > 0 ? html`<p class="muted small">${series.leftOut} result(s) not drawn: no date or a unit that cannot be converted to ${unit}.</p>` : ''}
</figure>`;
}
