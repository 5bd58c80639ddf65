import { z } from 'zod';
import { SERVICE_VERSION } from '../version';
import { screenRequestSchema } from './api';

const outcomeResponse = { description: 'OperationOutcome naming the error code and the field', content: { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } } };

/** OpenAPI 3.1 for the JSON API; request schemas come from the zod schemas that validate them. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'eligo API', version: SERVICE_VERSION, description: 'Screens patients for clinical trials from FHIR R4 data.' },
    paths: {
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
    },
    components: {
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
