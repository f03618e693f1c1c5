import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { throttledPageDelaySeconds } from '../../lib/contacts/backfill-page';
import { isThrottling, StoreThrottledError } from '../../lib/store/table';

const meta = { $metadata: {} };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ ...meta, message: 'Transaction cancelled', CancellationReasons: codes.map((Code) => ({ Code })) });

describe('isThrottling', () => {
  it('recognises the SDK throttling errors, the store error and transactions cancelled only for throttling', () => {
    expect(isThrottling(new StoreThrottledError('left unprocessed'))).toBe(true);
    expect(isThrottling(new ProvisionedThroughputExceededException({ ...meta, message: 'exceeded' }))).toBe(true);
    expect(isThrottling(new ThrottlingException({ ...meta, message: 'Rate exceeded' }))).toBe(true);
    expect(isThrottling(cancelled('None', 'ThrottlingError'))).toBe(true);
    expect(isThrottling(cancelled('ProvisionedThroughputExceeded', 'None'))).toBe(true);
  });

  it('leaves every other failure alone', () => {
    expect(isThrottling(new Error('DynamoDB left 3 contact operations unprocessed'))).toBe(false);
    expect(isThrottling(new ConditionalCheckFailedException({ ...meta, message: 'failed' }))).toBe(false);
    expect(isThrottling(cancelled('None', 'None'))).toBe(false);
    expect(isThrottling(cancelled('ThrottlingError', 'ConditionalCheckFailed'))).toBe(false);
    expect(isThrottling(cancelled('ThrottlingError', 'TransactionConflict'))).toBe(false);
    expect(isThrottling(cancelled())).toBe(false);
  });
});

describe('throttledPageDelaySeconds', () => {
  it('waits 20 to 60 s the first time, and longer, up to 340 s, with each deferral in a row', () => {
    expect([throttledPageDelaySeconds(1, () => 0), throttledPageDelaySeconds(1, () => 0.999)]).toEqual([20, 60]);
    expect(throttledPageDelaySeconds(2, () => 0.999)).toBe(100);
    expect([throttledPageDelaySeconds(8, () => 0.999), throttledPageDelaySeconds(50, () => 0.999)]).toEqual([340, 340]);
    expect(throttledPageDelaySeconds(50, () => 0)).toBe(20);
  });
});
