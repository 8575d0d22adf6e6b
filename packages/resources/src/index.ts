export { DhcpPortRequestError, ResourceEventShapeError } from './errors.js';
export { eventSubjectParts } from './subjects.js';

// network (and its subnets)
export { NETWORK_EVENT_VERSION, fromNetworkEnvelope, isNetworkEventType, networkEventRegistry, toNetworkEnvelope } from './network/events.js';
export { networkAggregate, networkIdOf, networkSubject } from './network/subjects.js';
export { applyNetworkEvent, initialNetwork, networkMachine, subnet6In, subnetIn } from './network/machine.js';

// port
export { PORT_EVENT_VERSION, fromPortEnvelope, portEventRegistry, toPortEnvelope } from './port/events.js';
export { portAggregate, portIdOf, portSubject } from './port/subjects.js';
export { DHCP_DEVICE_OWNER, ROUTER_INTERFACE_OWNERS, applyPortEvent } from './port/fold.js';

// address and MAC claims
export { CLAIM_EVENT_VERSION, claimEventRegistry, claimSubject, fromClaimEnvelope, toClaimEnvelope } from './claim/events.js';
export { claimOf, ip6ClaimSubject, ipClaimSubject, macClaimSubject, segmentClaimSubject } from './claim/subjects.js';

// agent
export { AGENT_EVENT_VERSION, agentEventRegistry, fromAgentEnvelope, isAgentEventType, toAgentEnvelope } from './agent/events.js';
export { agentAggregate, agentIdOf, agentSubject } from './agent/subjects.js';
export { applyAgentEvent, newAgentRecord } from './agent/record.js';
export { aliveUntil, isAlive } from './agent/liveness.js';
export { agentReachOf, reachesPhysicalNetwork } from './agent/reach.js';
export { agentDeadline, agentMachine, initialAgentState, isOverdue, machineStep, stepAgent } from './agent/machine.js';
export { DHCP_RESERVED_DEVICE_ID, agentOfDhcpDeviceId, agentOfRequestSubject, dhcpPortDeviceId, dhcpPortRequestSubject, requestDhcpPort } from './agent/dhcp-port-request.js';

// binding
export { BINDING_EVENT_VERSION, bindingEventRegistry, fromBindingEnvelope, isBindingEventType, toBindingEnvelope } from './binding/events.js';
export { bindingAggregate, bindingNetworkIdOf, bindingSubject } from './binding/subjects.js';
export { applyBindingEvent } from './binding/fold.js';

export type { EventSubjectParts } from './subjects.js';
export type {
  NetworkCreated,
  NetworkDeleted,
  NetworkEnvelope,
  NetworkEvent,
  NetworkEventType,
  NetworkUpdated,
  Subnet6Created,
  Subnet6Updated,
  SubnetCreated,
  SubnetDeleted,
  SubnetUpdated,
} from './network/events.js';
export type { NetworkContext, NetworkSnapshot } from './network/machine.js';
export type { PortCreated, PortDeleted, PortEnvelope, PortEvent, PortEventType, PortUpdated } from './port/events.js';
export type { ClaimEnvelope, ClaimEvent, ClaimEventType, Ip6Allocated, Ip6Released, IpAllocated, IpReleased, MacClaimed, MacReleased, SegmentClaimed, SegmentReleased } from './claim/events.js';
export type { ClaimSubjectParts } from './claim/subjects.js';
export type {
  AgentAdminStateChanged,
  AgentDeleted,
  AgentEnvelope,
  AgentEvent,
  AgentEventType,
  AgentHeartbeat,
} from './agent/events.js';
export type { AgentRecord } from './agent/record.js';
export type { Heartbeated } from './agent/liveness.js';
export type { AgentReach } from './agent/reach.js';
export type { AgentContext, AgentInput, AgentMachineEvent, AgentMachineState, AgentStatus } from './agent/machine.js';
export type { DhcpPortRequestOptions, DhcpPortRequestReply } from './agent/dhcp-port-request.js';
export type {
  BindingEnvelope,
  BindingEvent,
  BindingEventType,
  NetworkScheduled,
  NetworkUnscheduled,
} from './binding/events.js';
export type { BindingRecord } from './binding/fold.js';
