import { ApiError, errorStatus, type ErrorCode } from '@leasehold/api/client';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { CliError, errorLine, exitCodeOf } from './errors.js';

describe('error reporting', () => {
  test.prop([fc.constantFrom(...(Object.keys(errorStatus) as ErrorCode[])), fc.option(fc.stringMatching(/^[a-z_.\[\]0-9]{1,20}$/), { nil: undefined })])(
    'an API error exits 2 exactly when its status is 4xx, and its line carries code, field and message',
    (code, field) => {
      const error = new ApiError(code, 'what went wrong', field);
      expect(exitCodeOf(error)).toBe(errorStatus[code] < 500 ? 2 : 1);
      expect(errorLine(error)).toBe(field ? `error ${code} (${field}): what went wrong` : `error ${code}: what went wrong`);
    },
  );

  test('a CLI error keeps its own exit code and anything else exits 1 as INTERNAL', () => {
    expect(exitCodeOf(new CliError('TIMEOUT', 'slow', undefined, 1))).toBe(1);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(errorLine(new Error('boom'))).toBe('error INTERNAL: boom');
  });
});
