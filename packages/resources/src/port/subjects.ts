/** Where a port lives: aggregate `port/<id>`, subject `lh.evt.port.<id>`. */
import { aggregateSubject } from '@leasehold/protocol';
import { singleIdOf } from '../subjects.js';

/** The aggregate id of a port, e.g. "port/p1". Pure. */
export function portAggregate(portId: string): string {
  return `port/${portId}`;
}

/** The subject of a port, e.g. "lh.evt.port.p1". Pure. */
export function portSubject(portId: string): string {
  return aggregateSubject('port', portId);
}

/** The port id of a port subject, or undefined for any other subject. The inverse of `portSubject`. Pure. */
export function portIdOf(subject: string): string | undefined {
  return singleIdOf('port', subject);
}
