export { createWebRouter, type WebDeps } from './router';
export { renderReportPage, type ReportPageView, type TrialView } from './report-page';
export { trendsForReport, type TrendSeries } from './trends';
export type { FhirTarget, SessionScreeningDeps } from './screen-session';
