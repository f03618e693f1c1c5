import { SearchQueryError } from '../../dev/intercom-simulator/search-query';

/** The SearchQueryError `run` throws; fails the test when it throws nothing or something else. */
export function rejection(run: () => unknown): SearchQueryError {
  try {
    run();
  } catch (error) {
    if (error instanceof SearchQueryError) return error;
    throw error;
  }
  throw new Error('expected a SearchQueryError');
}
