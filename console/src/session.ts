/**
 * The admin JWT: in memory, and in this tab's sessionStorage so a reload (or the return from
 * Intercom's consent page) keeps it. Never in localStorage, never in a URL.
 */
const KEY = 'timebook-console.jwt';

let current: string | null = null;

export const session = {
  /** The JWT of this tab: the one handed over in config.json, else the one signed in with. */
  restore(fromConfig: string | undefined): string | null {
    current = fromConfig ?? readStored();
    if (current) writeStored(current);
    return current;
  },
  get jwt(): string | null {
    return current;
  },
  signIn(jwt: string): void {
    current = jwt;
    writeStored(jwt);
  },
  signOut(): void {
    current = null;
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // Storage may be unavailable (private mode); memory is enough.
    }
  },
};

/** A JWT's three base64url parts; anything else is a paste mistake worth saying so. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function writeStored(jwt: string): void {
  try {
    sessionStorage.setItem(KEY, jwt);
  } catch {
    // Memory only, then.
  }
}
