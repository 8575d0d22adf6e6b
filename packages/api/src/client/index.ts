// @leasehold/api/client: what a caller of the API needs, without the server (no service, read model or journal).
export { ApiClient } from './client.js';
export type { ApiClientOptions, ListPage } from './client.js';
export { ApiError, errorStatus } from '../errors.js';
export type { ApiErrorBody, ErrorCode } from '../errors.js';
export { API_SUBJECT_PREFIX } from '../wire/subjects.js';
export type { DhcpPortReply } from '../wire/dhcp-port.js';
export type { Input as ApiInput } from '../wire/schemas.js';
export type { AgentView, LeaseView, NetworkView, PortView, SubnetView } from '../wire/views.js';
