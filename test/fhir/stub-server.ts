import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';

/** A real HTTP server on 127.0.0.1 that answers as `answer` says, recording what it was asked. */
export async function stubServer(answer: (req: Request, res: Response, n: number) => void): Promise<{ base: string; seen: Request[]; close(): Promise<void> }> {
  const seen: Request[] = [];
  const app = express();
  app.use(express.json({ type: ['application/fhir+json', 'application/json'] }));
  app.use((req, res) => {
    seen.push(req);
    answer(req, res, seen.length);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
