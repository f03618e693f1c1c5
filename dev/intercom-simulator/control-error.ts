/** An error of the simulator's control API (`/_sim/...`), answered as `{ error: { code, message } }`. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** 404 for an unknown workspace, contact, conversation, part or tag. */
export const unknown = (what: string, id: string): ControlError => new ControlError(404, 'not_found', `Unknown ${what} ${id}`);
