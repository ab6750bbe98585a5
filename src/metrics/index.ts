export { Metrics, type MetricsSources, type QueueStats } from './metrics.js';
export { scimOperation, type ScimOperation } from './scim-operation.js';
