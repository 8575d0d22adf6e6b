export { ApiError, ReadModelSnapshotError, ReadModelSnapshotVersionError, errorStatus } from './errors.js';
export type { ApiErrorBody, ErrorCode } from './errors.js';
export { apiHandlers, startApiService } from './service.js';
export { API_SUBJECT_PREFIX } from './wire/subjects.js';
export type { ApiService, ApiServiceOptions } from './service.js';
export type { ApiAdmission, ApiLimitsOverrides } from './rate-limit.js';
export type { Quotas } from './quota.js';
export { ReadModel } from './read-model/read-model.js';
export { READ_MODEL_SNAPSHOT_V } from './read-model/snapshot.js';
export type { ReadModelSnapshot } from './read-model/snapshot.js';
export { networkView } from './network/view.js';
export { subnetView } from './subnet/view.js';
export { portView } from './port/view.js';
export type { AgentView, LeaseView, NetworkView, PortView, SubnetView } from './wire/views.js';
// The client, also on its own entry point (@leasehold/api/client), which loads none of the server.
export { ApiClient } from './client/client.js';
export type { ApiClientOptions } from './client/client.js';
export type { DhcpPortReply } from './wire/dhcp-port.js';
export type { Input as ApiInput } from './wire/schemas.js';
// Neutron's HTTP API on the same handlers (http/): `leasehold api --http` and `leasehold start`.
export { startHttpApi } from './http/server.js';
export type { Call as HttpCall, HttpApi, HttpApiOptions, HttpMount } from './http/server.js';
