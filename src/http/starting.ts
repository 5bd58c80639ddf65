import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { operationOutcome } from './operation-outcome';

/**
 * `npm start` in two processes, so the port answers at once and keeps answering while the service
 * is built. A front process loads nothing but Node's http module and this file, listens, and
 * answers: /health says `starting`, anything else is 503 with Retry-After (so a caller can tell
 * "not yet" from "not there"). It forks the service process, which loads its modules, the FHIR
 * definitions and the mappings (the bulk of a start, and synchronous: in one process no request
 * could be answered meanwhile), then asks for the listening socket; the front hands it over and
 * stops accepting, and from then on the service answers every request on the same port.
 */

const RETRY_AFTER_SECONDS = 1;
/** The message the service sends when it is ready for the socket, and the one the socket comes with. */
const READY = 'eligo:ready-for-socket';
const SOCKET = 'eligo:socket';

function answerStarting(req: IncomingMessage, res: ServerResponse): void {
  const health = req.url === '/health' || req.url?.startsWith('/health?') === true;
  // Not ready is an answer too: /health is up (200) and says so; the rest asks to come back.
  const body = health ? { status: 'starting' } : operationOutcome('error', 'transient', 'eligo is starting; try again in a moment');
  res.writeHead(health ? 200 : 503, {
    'content-type': health ? 'application/json; charset=utf-8' : 'application/fhir+json; charset=utf-8',
    ...(health ? {} : { 'retry-after': String(RETRY_AFTER_SECONDS) }),
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

/**
 * The front: listens, forks `script` with `args` (the service), hands it the socket when it asks,
 * passes SIGINT and SIGTERM on, and ends with the service's exit code. A service that fails to
 * start (mappings, config) exits with its code and the front with it.
 */
export async function runFront(port: number, host: string, script: string, args: readonly string[]): Promise<number> {
  const server = createServer(answerStarting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const service: ChildProcess = fork(script, [...args], { execArgv: process.execArgv, stdio: 'inherit' });
  service.on('message', (message) => {
    if (message !== READY) return;
    // The service holds its own copy of the socket once it has it; the front then stops accepting.
    service.send(SOCKET, server, () => server.close());
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => service.kill(signal));
  return new Promise((resolve) => {
    service.once('exit', (code, signal) => {
      server.close();
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/**
 * The service's side: the app on the socket the front hands over, or (run on its own, with no
 * front to ask) on a socket of its own.
 */
export function serveOnFrontSocket(app: RequestListener, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  if (!process.send) {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown, handle: unknown): void => {
      if (message !== SOCKET) return;
      process.off('message', onMessage);
      server.once('error', reject);
      server.listen(handle as NetServer, () => resolve(server));
    };
    process.on('message', onMessage);
    process.send?.(READY);
  });
}
