import { describeRoundTrip } from '../codec-laws.js';
import { decodeDhcp6 } from './decode.js';
import { dhcp6EncodingLength, encodeDhcp6 } from './encode.js';
import { dhcp6Message } from './testing.js';

describeRoundTrip('DHCPv6 round trip', dhcp6Message(), { encode: encodeDhcp6, decode: decodeDhcp6, encodingLength: dhcp6EncodingLength, encodingLengthName: 'dhcp6EncodingLength' });
