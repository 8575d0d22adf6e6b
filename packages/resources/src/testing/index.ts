/** fast-check generators for tests of the resource aggregates (never the main export). */
import fc from 'fast-check';

/** An id as subjects carry it: one subject token (no dot, no wildcard), as the API's UUIDs and agents' host names are. */
export const tokenId: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_\-:]{1,64}$/);
