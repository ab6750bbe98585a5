export { ApiError, leadIn, toApiError } from './api-error';
export { apiUrl, onUnauthenticated, setCsrfToken } from './client';
export * as api from './endpoints';
export type * from './types';
export { FIELD_TYPES, TRANSFORMS } from './types';
