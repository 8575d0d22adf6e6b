import { describeRoundTrip } from '../codec-laws.js';
import { decodeNdp } from './decode.js';
import { encodeNdp, ndpEncodingLength } from './encode.js';
import { ndpMessage } from './testing.js';

describeRoundTrip('Router Solicitation and Advertisement round trip', ndpMessage(), { encode: encodeNdp, decode: decodeNdp, encodingLength: ndpEncodingLength, encodingLengthName: 'ndpEncodingLength' });
