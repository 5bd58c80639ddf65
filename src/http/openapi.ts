import { z } from 'zod';
import { cohortRunRequestSchema } from '../cohort/definition';
import { SERVICE_VERSION } from '../version';
import { screenRequestSchema, screenTrialsRequestSchema } from './api';

const runIdParameter = { name: 'runId', in: 'path', required: true, schema: { type: 'string' } };

const outcomeResponse = { description: 'OperationOutcome naming the error code and the field', content: { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } } };

type Operation = { summary: string; responses: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] };

/** Every operation needs a caller (401) that may do it (403); those that take a body also have its limits. */
function withAccessResponses(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      operation.responses['401'] = outcomeResponse;
      operation.responses['403'] = outcomeResponse;
      if (operation.requestBody) {
        for (const status of ['413', '415', '429', '503']) operation.responses[status] = outcomeResponse;
      }
    }
  }
  return paths;
}

/** OpenAPI 3.1 for the JSON API; request schemas come from the zod schemas that validate them. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    security: [{ bearer: [] }, { smartSession: [] }],
    info: { title: 'eligo API', version: SERVICE_VERSION, description: 'Screens patients for clinical trials from FHIR R4 data.' },
    paths: withAccessResponses({
      '/api/trials': { get: { summary: 'List trials', responses: { '200': { description: 'Trials with their criterion counts' } } } },
      '/api/trials/{trialId}': {
        get: {
          summary: 'A trial and its criteria',
          parameters: [{ name: 'trialId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The trial' }, '404': outcomeResponse },
        },
      },
      '/api/trials/{trialId}/screen': {
        post: {
          summary: 'Screen a patient: by id on the configured FHIR server, or a posted Bundle',
          parameters: [{ name: 'trialId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(screenRequestSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: {
            '200': { description: 'The eligibility report', content: { 'application/json': { schema: { $ref: '#/components/schemas/EligibilityReport' } } } },
            '400': outcomeResponse,
            '404': outcomeResponse,
            '502': outcomeResponse,
          },
        },
      },
      '/api/screen': {
        post: {
          summary: 'Screen one patient for several trials (default every trial): the record is read and normalised once',
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(screenTrialsRequestSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: {
            '200': {
              description: 'One eligibility report per trial, in the order asked (catalog order for all)',
              content: { 'application/json': { schema: { type: 'object', required: ['reports'], properties: { reports: { type: 'array', items: { $ref: '#/components/schemas/EligibilityReport' } } } } } },
            },
            '400': outcomeResponse,
            '404': outcomeResponse,
            '502': outcomeResponse,
          },
        },
      },
      '/api/trials/{trialId}/reports/{patientId}': {
        get: {
          summary: 'The latest report for a patient and trial',
          parameters: [
            { name: 'trialId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'patientId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'The eligibility report' }, '404': outcomeResponse },
        },
      },
      '/api/cohort-runs': {
        post: {
          summary: 'Start a cohort run now, or resume one by runId (selection by diagnosis, Group, patient ids, or Bulk Data export)',
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(cohortRunRequestSchema, { io: 'input', unrepresentable: 'any' }) } } },
          responses: { '202': { description: 'The run started; Location is its status' }, '200': { description: 'The run had already completed' }, '400': outcomeResponse },
        },
        get: { summary: 'Every cohort run with its status and counts', responses: { '200': { description: 'Runs' } } },
      },
      '/api/cohort-runs/{runId}': {
        get: { summary: 'Status and progress counts of a run', parameters: [runIdParameter], responses: { '200': { description: 'The run' }, '404': outcomeResponse } },
        delete: { summary: 'Cancel a run (patients in flight finish and are journaled)', parameters: [runIdParameter], responses: { '202': { description: 'Cancelling' }, '404': outcomeResponse } },
      },
      '/api/cohort-runs/{runId}/summary': {
        get: { summary: 'The summary as a FHIR R4 MeasureReport (type summary)', parameters: [runIdParameter], responses: { '200': { description: 'MeasureReport' }, '404': outcomeResponse } },
      },
      '/api/cohort-runs/{runId}/summary.json': {
        get: { summary: 'The summary: counts per outcome, the funnel in catalog order, new candidates, failures', parameters: [runIdParameter], responses: { '200': { description: 'Summary' }, '404': outcomeResponse } },
      },
      '/api/cohort-runs/{runId}/summary.csv': { get: { summary: 'The summary as CSV', parameters: [runIdParameter], responses: { '200': { description: 'CSV' }, '404': outcomeResponse } } },
      '/api/cohort-runs/{runId}/summary.html': { get: { summary: 'The summary as HTML, the funnel as a chart', parameters: [runIdParameter], responses: { '200': { description: 'HTML' }, '404': outcomeResponse } } },
    }),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An eligo API key (eligo_...) or a JWT access token of a trusted issuer. Scopes: system/*.rs (screen, reports), eligo/write-back, eligo/population (cohort runs). README "Access".',
        },
        smartSession: { type: 'apiKey', in: 'cookie', name: 'eligo-session', description: 'A SMART session from an EHR launch: its launched patient only (__Host-eligo-session over https).' },
      },
      schemas: {
        OperationOutcome: { type: 'object', properties: { resourceType: { const: 'OperationOutcome' }, issue: { type: 'array' } } },
        EligibilityReport: {
          type: 'object',
          required: ['trial', 'patient', 'asOf', 'outcome', 'criteria'],
          properties: {
            trial: { type: 'string' },
            patient: { type: 'string', examples: ['Patient/123'] },
            asOf: { type: 'string', format: 'date' },
            leukapheresisDate: { type: 'string', format: 'date' },
            outcome: { enum: ['eligible', 'ineligible', 'potential-candidate'] },
            criteria: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'status', 'explanation', 'evidence'],
                properties: {
                  id: { type: 'string' },
                  status: { enum: ['met', 'not_met', 'unknown', 'review'] },
                  explanation: { type: 'string' },
                  evidence: { type: 'array', items: { type: 'object', properties: { reference: { type: 'string' }, value: {}, unit: { type: 'string' }, date: { type: 'string' }, note: { type: 'string' } } } },
                  resolvesOn: { type: 'string' },
                  missing: { type: 'array', items: { type: 'string' } },
                  confirm: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
