/**
 * The simulator's clock, in unix seconds. It follows real time until it is set or advanced; from
 * then on it stands still and only the control API moves it (`/_sim/clock`), so webhook retries and
 * pauses happen at simulated times and nothing waits on real time. The rate limiter, request
 * statistics and OAuth code expiry stay on real time.
 */
export class SimulatorClock {
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Math.floor(Date.now() / 1000);
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Stops the clock at `at`. */
  set(at: number): void {
    this.frozenAt = at;
  }

  /** Follows real time again. */
  release(): void {
    this.frozenAt = null;
  }
}
