// Waits until a FHIR server answers GET {base}/metadata with a CapabilityStatement, then exits 0;
// exits 1 after WAIT_TIMEOUT_S (default 600). The readiness gate for HAPI in docker-compose.yml:
// the hapiproject/hapi image is distroless (no shell, curl or wget), so no in-container healthcheck
// can run there (hapifhir/hapi-fhir-jpaserver-starter#762).
const base = (process.env.FHIR_BASE_URL ?? 'http://hapi:8080/fhir').replace(/\/+$/, '');
const deadline = Date.now() + Number(process.env.WAIT_TIMEOUT_S ?? 600) * 1000;

for (;;) {
  try {
    const res = await fetch(`${base}/metadata`, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(10_000) });
    if (res.ok && (await res.json()).resourceType === 'CapabilityStatement') {
      console.log(`FHIR server ${base} is ready`);
      process.exit(0);
    }
    console.log(`FHIR server ${base} answered ${res.status}; waiting`);
  } catch {
    console.log(`FHIR server ${base} not reachable yet; waiting`);
  }
  if (Date.now() > deadline) {
    console.error(`FHIR server ${base} was not ready in time`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 5000));
}
