import type { ErrorRequestHandler } from 'express';
import { errorToOutcome } from '../http/operation-outcome';
import type { Logger } from '../log';
import { APP_PATH } from '../smart/paths';
import { loggableError } from '../smart/safe-error';
import { html } from './html';
import { securityHeaders } from './security-headers';

/**
 * Errors on pages a person sees: the same mapping as the API (errorToOutcome, the one
 * error-to-OperationOutcome function), shown as a short page instead of JSON.
 */
export function htmlErrorHandler(log: Logger, frameAncestors: readonly string[] = []): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, outcome } = errorToOutcome(error);
    if (status >= 500) log.error({ err: loggableError(error) }, 'page failed');
    const message = outcome.issue[0]?.diagnostics ?? 'something went wrong';
    securityHeaders(res, frameAncestors);
    res.status(status).type('html').send(problemPage(status, message).text);
  };
}

export function problemPage(status: number, message: string): ReturnType<typeof html> {
  const title = status === 401 ? 'Please open eligo from the EHR' : status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong';
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>eligo: ${title}</title><link rel="stylesheet" href="${APP_PATH}/assets/report.css"></head>
<body><main class="problem"><h1>${title}</h1><p role="alert">${message}</p><p class="muted">HTTP ${status}</p></main></body></html>`;
}
