/** What the Bulk Data client reports while it works (progress display, metrics, tests). No tokens, no patient data. */
export type BulkEvent =
  | { type: 'kick-off'; method: 'POST' | 'GET'; status: number }
  | { type: 'poll'; status: number; progress?: string; retryAfterMs?: number; waitMs: number }
  | { type: 'download'; fileType: string; bytes: number; resumedFromByte: number }
  /** A file download failed for now (unreachable, cut off, 429/5xx) and is tried again after `waitMs`. */
  | { type: 'download-retry'; attempt: number; waitMs: number; serverAskedMs?: number }
  | { type: 'resume'; from: 'status' | 'manifest' | 'finished' }
  | { type: 'cancel'; deleted: boolean };
