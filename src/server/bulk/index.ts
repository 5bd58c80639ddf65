export { BULK_CAPABILITY, createBulkExport } from './bulk-export';
export type { BulkExport, BulkExportOptions } from './bulk-export';
export type { AccessTokenRequirement } from './access-token';
