/** The report page's stylesheet, served from /app/assets/report.css (CSP allows styles from 'self' only). */
export const REPORT_CSS = `
:root { --fg:#1c2430; --muted:#5b6675; --line:#d8dee6; --bg:#f6f8fa; --met:#1a7f37; --notmet:#b42318; --unknown:#8a6100; --review:#1f5fbf; --washout:#6b3fa0; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:#fff; }
header.top { display:flex; flex-wrap:wrap; gap:12px 24px; align-items:center; justify-content:space-between; padding:10px 16px; border-bottom:1px solid var(--line); background:var(--bg); }
header.top h1 { font-size:16px; margin:0; }
.banner { font-size:13px; }
main { max-width:1180px; margin:0 auto; padding:12px 16px 40px; }
main.problem { max-width:640px; padding-top:48px; }
form.inline { display:flex; flex-wrap:wrap; gap:8px; align-items:end; }
form.inline label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
input, button { font:inherit; }
input[type=date] { padding:3px 6px; border:1px solid var(--line); border-radius:4px; }
button { padding:5px 12px; border:1px solid #1f5fbf; background:#1f5fbf; color:#fff; border-radius:4px; cursor:pointer; }
button.secondary { background:#fff; color:#1f5fbf; }
.muted { color:var(--muted); }
.small { font-size:12px; }
.note { font-size:11px; color:var(--unknown); border:1px solid currentColor; border-radius:3px; padding:0 3px; }
.notice { border:1px solid var(--met); background:#eef8f0; padding:8px 12px; border-radius:4px; margin:8px 0; }
.warning { border:1px solid var(--unknown); background:#fff8e6; padding:8px 12px; border-radius:4px; margin:8px 0; }
.overview { display:grid; grid-template-columns:repeat(auto-fill, minmax(260px, 1fr)); gap:10px; margin:12px 0 16px; }
.overview a.card { display:block; color:inherit; text-decoration:none; border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.overview a.card:hover { border-color:#1f5fbf; }
.outcome { display:inline-block; font-weight:600; padding:2px 8px; border-radius:12px; font-size:13px; }
.outcome.eligible { background:#dcf3e2; color:var(--met); }
.outcome.potential-candidate { background:#fff1cc; color:var(--unknown); }
.outcome.ineligible { background:#fde2df; color:var(--notmet); }
.counts { display:flex; flex-wrap:wrap; gap:4px 10px; margin-top:6px; font-size:12px; color:var(--muted); }
section.trial { border-top:2px solid var(--line); padding-top:8px; margin-top:20px; }
section.trial > h2 { font-size:18px; margin:6px 0; display:flex; flex-wrap:wrap; gap:8px; align-items:center; }
.attention { display:grid; grid-template-columns:repeat(auto-fit, minmax(240px, 1fr)); gap:8px 16px; margin:8px 0; }
.attention h3 { font-size:13px; margin:4px 0; }
.attention ul { margin:0; padding-left:18px; }
.charts { display:flex; flex-wrap:wrap; gap:12px; margin:8px 0; }
figure.chart { margin:0; border:1px solid var(--line); border-radius:6px; padding:6px 8px; }
figure.chart figcaption { font-size:13px; }
svg .axis { stroke:#9aa5b1; stroke-width:1; }
svg .tick { font-size:10px; fill:var(--muted); }
svg .trend { fill:none; stroke:#1f5fbf; stroke-width:1.5; }
svg .dot { fill:#fff; stroke:#1f5fbf; stroke-width:1.5; }
svg .dot.used { fill:#1f5fbf; }
table.criteria { width:100%; border-collapse:collapse; margin-top:8px; }
table.criteria th, table.criteria td { border-bottom:1px solid var(--line); padding:6px 6px; text-align:left; vertical-align:top; }
table.criteria th { font-size:12px; color:var(--muted); font-weight:600; }
table.criteria tr:target { background:#fffbe6; }
td.status-cell { white-space:nowrap; width:110px; }
.status { font-weight:600; }
.status.met { color:var(--met); } .status.not_met { color:var(--notmet); } .status.unknown { color:var(--unknown); } .status.review { color:var(--review); }
.crit-id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; color:var(--muted); }
ul.evidence { margin:4px 0 0; padding-left:16px; font-size:13px; }
.resolves { color:var(--washout); font-weight:600; }
.writeback { margin:10px 0; }
footer { margin-top:24px; font-size:12px; color:var(--muted); }
@media (max-width: 720px) { table.criteria, table.criteria tbody, table.criteria tr, table.criteria td { display:block; } table.criteria thead { display:none; } td.status-cell { width:auto; border-bottom:none; } }
@media print {
  header.top form, .writeback, .no-print { display:none !important; }
  body { font-size:11px; }
  a { color:inherit; text-decoration:none; }
  section.trial { break-before:page; }
  section.trial:first-of-type { break-before:auto; }
  tr, figure.chart { break-inside:avoid; }
  .overview a.card, figure.chart { border-color:#999; }
}
`;
