export { ApiError, leadIn, toApiError, type ApiProblem } from './api-error';
export { apiUrl, onUnauthenticated, setCsrfToken } from './client';
export * as api from './endpoints';
export type * from './types';
export type * from './credential-types';
export type * from './card-template';
export type * from './security-types';
export type * from './email-types';
export { FIELD_TYPES, TRANSFORMS } from './types';
