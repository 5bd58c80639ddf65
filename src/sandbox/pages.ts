import { html, type SafeHtml } from '../web/html';

export interface DemoPatient {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
}

const STYLE = html`<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1c2430}
header{background:#243b53;color:#fff;padding:10px 16px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:16px;margin:0}
main{padding:12px 16px;max-width:960px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d8dee6;padding:6px;text-align:left}
a.button,button{display:inline-block;padding:4px 10px;border-radius:4px;background:#1f5fbf;color:#fff;text-decoration:none;border:0;font:inherit;cursor:pointer}
.muted{color:#5b6675}
iframe{border:0;width:100%;height:calc(100vh - 48px);display:block}
</style>`;

function page(title: string, body: SafeHtml): string {
  return html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${STYLE}</head><body>${body}</body></html>`.text;
}

/** The launcher: demo patients, each with an EHR launch of the app; plus a standalone launch. */
export function launcherPage(patients: readonly DemoPatient[], standaloneUrl: string): string {
  return page(
    'Sandbox EHR: patients',
    html`<header><h1>Sandbox EHR</h1><span>development only: synthetic patients</span></header>
<main><h2>Patients</h2>
<table><thead><tr><th>Name</th><th>Born</th><th>Sex</th><th>FHIR id</th><th></th></tr></thead><tbody>
${patients.map(
  (p) =>
    html`<tr><td>${p.name}</td><td>${p.birthDate ?? ''}</td><td>${p.gender ?? ''}</td><td class="muted">${p.id}</td><td><a class="button" href="/ehr/launch?patient=${encodeURIComponent(p.id)}" data-patient="${p.id}">Launch eligo</a></td></tr>`,
)}
</tbody></table>
<p class="muted">Or start a <a href="${standaloneUrl}">standalone launch</a> (the sandbox asks which patient).</p></main>`,
  );
}

/** The EHR's chart view with the app in its frame, as an EHR embeds a SMART app. */
export function chartPage(patient: DemoPatient, appLaunchUrl: string): string {
  return page(
    `Sandbox EHR: ${patient.name}`,
    html`<header><h1>Sandbox EHR</h1><strong>${patient.name}</strong><span>${patient.birthDate ?? ''}</span><span>${patient.gender ?? ''}</span><a href="/" style="color:#fff">All patients</a><a href="${appLaunchUrl}" target="_blank" rel="noopener" style="color:#fff">Open outside the frame</a></header>
<iframe title="eligo" name="smart-app" src="${appLaunchUrl}"></iframe>`,
  );
}

/** Standalone launch: the sandbox user picks the patient the app may see. */
export function pickPatientPage(uid: string, patients: readonly DemoPatient[]): string {
  return page(
    'Sandbox EHR: choose a patient',
    html`<header><h1>Sandbox EHR</h1><span>An app asks for access to one patient's record</span></header>
<main><form method="post" action="/interaction/${uid}/patient"><table><tbody>
${patients.map((p) => html`<tr><td><label><input type="radio" name="patient" value="${p.id}" required> ${p.name}</label></td><td class="muted">${p.birthDate ?? ''}</td></tr>`)}
</tbody></table><p><button type="submit">Allow access to this patient</button></p></form></main>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, html`<header><h1>Sandbox EHR</h1></header><main><h2>${title}</h2><p>${message}</p><p><a href="/">Back to the patient list</a></p></main>`);
}
