/**
 * Starts the sandbox on a known free port and, at the same time, connects to that port as soon
 * as it accepts connections and asks for the SMART configuration. Runs in a child process
 * because oidc-provider is ESM-only (jest cannot load it).
 *
 *   node --import tsx test/smart/support/sandbox-startup-probe.ts
 *
 * Prints one JSON line: the first answer's status and Retry-After, whether that answer came
 * while startSandbox() was still running, and the status of a request made after it resolved.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxFhirHooks, startSandbox } from '../../../src/sandbox';

/** Only a guard so a hung request ends the child with an answer instead of never; not a measurement. */
const NO_ANSWER_AFTER_MS = 15_000;

interface Answer {
  status: number | 'no answer';
  retryAfter?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** GET once a connection is accepted: connection refusals (not listening yet) are retried at once. */
function getWhenAccepting(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: NO_ANSWER_AFTER_MS }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}) });
      });
      let timedOut = false;
      req.once('timeout', () => {
        timedOut = true;
        req.destroy();
        resolve({ status: 'no answer' });
      });
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') setImmediate(attempt);
        else if (!timedOut) reject(error);
      });
      req.end();
    };
    attempt();
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  let started = false;
  const starting = startSandbox({
    // Nothing here reads FHIR: the SMART configuration is answered by the sandbox itself.
    fhirBaseUrl: 'http://127.0.0.1:9/fhir',
    appBaseUrl: 'http://127.0.0.1:9',
    hooks: new SandboxFhirHooks(),
    port,
  }).then((sandbox) => {
    started = true;
    return sandbox;
  });
  const first = await getWhenAccepting(port, '/.well-known/smart-configuration');
  const answeredWhileStarting = !started;
  const sandbox = await starting;
  const after = await getWhenAccepting(port, '/.well-known/smart-configuration');
  await sandbox.close();
  process.stdout.write(`${JSON.stringify({ first, answeredWhileStarting, after })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`probe failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
