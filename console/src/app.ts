import type { Api } from './api';
import type { ConsoleConfig } from './types';

/** What every screen gets: the config, the API, and the router's links under the base path. */
export interface App {
  config: ConsoleConfig;
  api: Api;
  /** The console's base path (`''` or e.g. `/timebook`), from index.html's `<base href>`. */
  base: string;
  /** A link to a console route; a plain click goes through the History API, other clicks act as links do. */
  link(path: string, text: string, attributes?: Record<string, string>): HTMLAnchorElement;
  navigate(path: string, options?: { replace?: boolean }): void;
  productName(productId: string): string;
  /**
   * Runs `task` every `ms` while this screen is shown (the next run is scheduled once the last one
   * finished, so slow answers never pile up).
   */
  every(ms: number, task: () => Promise<void>): void;
  /** Whether the screen that asked is still the one shown (answers arriving after a navigation are dropped). */
  isCurrent(): boolean;
}

/** Route parameters from the path. */
export type Screen = (app: App, main: HTMLElement, params: Record<string, string>) => void | Promise<void>;
