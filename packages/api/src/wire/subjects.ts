/**
 * The subjects the API answers on, as a client addresses them. The
 * journal's role table (@leasehold/journal, access/roles.ts) decides who may
 * publish on them; these are the same strings, kept here so that a client
 * need not load the journal (subjects.test.ts holds the two together). The
 * agents' DHCP-port subject is @leasehold/resources' `dhcpPortRequestSubject`.
 */

/** Prefix of the public operations: `lh.api.v1.<resource>.<verb>`. */
export const API_SUBJECT_PREFIX = 'lh.api.v1';

/** Prefix of the requests only agents make, one subtree per agent: `lh.api.agents.<agentId>.<verb>`. */
export const AGENT_REQUEST_PREFIX = 'lh.api.agents';
