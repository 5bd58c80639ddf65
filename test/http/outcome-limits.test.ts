import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { z } from 'zod';
import { EligoError } from '../../src/errors/eligo-error';
import { MAX_ERROR_TEXT_CHARS, MAX_LISTED_PROBLEMS, MAX_PROBLEM_CHARS } from '../../src/errors/limits';
import { screenRequestSchema } from '../../src/http/api';
import { errorHandler, errorToOutcome } from '../../src/http/operation-outcome';

const manyFields = z.object({ items: z.array(z.object({ code: z.string() })) });

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: '50mb' }));
  app.post('/screen', (req) => {
    screenRequestSchema.parse(req.body);
  });
  app.post('/items', (req) => {
    manyFields.parse(req.body);
  });
  app.use(errorHandler(() => undefined));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

describe('OperationOutcome size is bounded whatever the request', () => {
  it('lists the first unknown keys of a body with 200,000 of them, and counts the rest', async () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => [`unknown_field_${i}`, i]);
    const { status, text } = await post('/screen', JSON.stringify({ patientId: 'p1', ...Object.fromEntries(keys) }));
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(5_000);
    const outcome = JSON.parse(text) as OperationOutcome;
    expect(outcome.issue).toHaveLength(1);
    const diagnostics = outcome.issue[0]?.diagnostics ?? '';
    expect(diagnostics).toMatch(/^ERR_ARGUMENT_INVALID: unrecognized keys: "unknown_field_0", "unknown_field_1", /);
    expect(diagnostics).toContain(`… and ${200_000 - MAX_LISTED_PROBLEMS} more`);
    expect(diagnostics).not.toContain(`unknown_field_${MAX_LISTED_PROBLEMS}"`);
  });

  it('keeps the count of unknown keys however long the listed ones are', async () => {
    const keys = Array.from({ length: 1_000 }, (_, i) => [`${'k'.repeat(200)}${i}`, i]);
    const { status, text } = await post('/screen', JSON.stringify({ patientId: 'p1', ...Object.fromEntries(keys) }));
    expect(status).toBe(400);
    const diagnostics = (JSON.parse(text) as OperationOutcome).issue[0]?.diagnostics ?? '';
    expect(diagnostics.length).toBeLessThanOrEqual(MAX_PROBLEM_CHARS + 100);
    expect(diagnostics).toMatch(new RegExp(`^ERR_ARGUMENT_INVALID: unrecognized keys: "k+.*… and ${1_000 - MAX_LISTED_PROBLEMS} more$`));
  });

  it('clips an unknown key of a megabyte', async () => {
    const { status, text } = await post('/screen', JSON.stringify({ patientId: 'p1', [`k${'x'.repeat(1_000_000)}`]: 1 }));
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    expect((JSON.parse(text) as OperationOutcome).issue[0]?.diagnostics).toMatch(/^ERR_ARGUMENT_INVALID: unrecognized key: "kx+… \(\d+ more characters\)"$/);
  });

  it('gives one issue per problem up to the cap, then one counting the rest', async () => {
    const items = Array.from({ length: 50_000 }, () => ({ code: 7 }));
    const { status, text } = await post('/items', JSON.stringify({ items }));
    expect(status).toBe(400);
    expect(text.length).toBeLessThan(10_000);
    const outcome = JSON.parse(text) as OperationOutcome;
    expect(outcome.issue).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(outcome.issue[0]).toMatchObject({ code: 'invalid', expression: ['items.0.code'] });
    expect(outcome.issue[0]?.diagnostics).toMatch(/^ERR_ARGUMENT_INVALID: items\.0\.code: /);
    expect(outcome.issue[MAX_LISTED_PROBLEMS]?.diagnostics).toBe(`ERR_ARGUMENT_INVALID: … and ${50_000 - MAX_LISTED_PROBLEMS} more problems`);
  });

  it('clips an EligoError message and where of any length', () => {
    const { status, outcome } = errorToOutcome(new EligoError('ERR_INPUT_INVALID', `bad: ${'m'.repeat(5_000_000)}`, { where: 'w'.repeat(1_000_000) }));
    expect(status).toBe(400);
    const issue = outcome.issue[0];
    expect(issue?.diagnostics?.length).toBeLessThanOrEqual(MAX_ERROR_TEXT_CHARS + 40);
    expect(issue?.diagnostics).toMatch(/^ERR_INPUT_INVALID: bad: m+… \(\d+ more characters\)$/);
    expect(issue?.expression?.[0]?.length).toBeLessThanOrEqual(MAX_PROBLEM_CHARS + 40);
  });
});
